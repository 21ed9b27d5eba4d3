"""Parallelism: CPU-bound loops of independent pure calls."""

from . import case

SIM = """
def simulate(seed):
    x = seed
    for _ in range(4000):
        x = (x * 1103515245 + 12345) % 2147483648
    return x
"""

CASES = [
    case("independent-calls", SIM, """
results = []
for seed in range(150):
    results.append(simulate(seed))
""", labels=("parallelism",), fires=("cpu-bound-loop",)),
    case("independent-comprehension", SIM, "finals = [simulate(s) for s in range(150)]",
         labels=("parallelism",), fires=("cpu-bound-loop",)),
    case("carried-state", SIM + """
def advance(state, step):
    return simulate(state + step)
""", """
state = 0
for step in range(150):
    state = advance(state, step)
""", near_miss=("cpu-bound-loop",)),
    case("sleeping-loop", "import time", """
for k in range(5):
    time.sleep(0.03)
""", near_miss=("cpu-bound-loop",)),
    case("builtin-sum", "", "s = sum(range(4_000_000))"),
]

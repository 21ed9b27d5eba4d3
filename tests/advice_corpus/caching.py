"""Caching: pure functions called again with the same arguments."""

from . import case

SLOW = """
def slow_score(k):
    s = 0
    for j in range(3000):
        s += (k * j) % 7
    return s
"""

CASES = [
    case("fib", "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)", "fib(22)",
         labels=("caching",), fires=("repeated-calls",)),
    case("modulo-arguments", SLOW, "scores = [slow_score(i % 20) for i in range(300)]",
         labels=("caching",), fires=("repeated-calls",), near_miss=("cpu-bound-loop",)),
    case("duplicate-keys", SLOW + "keys = [i % 10 for i in range(200)]", """
vals = []
for k in keys:
    vals.append(slow_score(k))
""", labels=("caching",), fires=("repeated-calls",)),
    case("impure-function", SLOW + """seen = []
def log_score(k):
    seen.append(k)
    return slow_score(k)
""", "logged = [log_score(i % 5) for i in range(150)]", near_miss=("repeated-calls",)),
    case("distinct-arguments-verified", SLOW, "vals = [slow_score(i) for i in range(150)]",
         flags="--verify", near_miss=("repeated-calls",), labels=("parallelism",), fires=("cpu-bound-loop",)),
    case("fib-verified", "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)", "fib(21)",
         flags="--verify", labels=("caching",), fires=("repeated-calls",)),
]

"""Data structures and algorithms: membership, quadratic building, sorting in loops, invariants."""

from . import case

CASES = [
    case("list-membership", "names = [f'user{i}' for i in range(2500)]", """
hits = 0
for q in range(2500):
    if f"user{q * 7 % 5000}" in names:
        hits += 1
""", labels=("data-structures",), fires=("list-membership",)),
    case("list-membership-in-function", """vocab = [f'w{i}' for i in range(2000)]
words = [f'w{i * 3}' for i in range(2500)]
def count_known(ws, vs):
    n = 0
    for w in ws:
        if w in vs:
            n += 1
    return n
""", "known = count_known(words, vocab)", labels=("data-structures",), fires=("list-membership",)),
    case("set-membership", "vocab_set = {f'w{i}' for i in range(2000)}; words = [f'w{i * 3}' for i in range(300_000)]", """
known = 0
for w in words:
    if w in vocab_set:
        known += 1
""", near_miss=("list-membership",)),
    case("list-concat", "", """
acc = []
for i in range(7000):
    acc = acc + [i]
""", labels=("algorithm",), fires=("quadratic-build",)),
    case("np-append", "import numpy as np", """
arr = np.empty(0)
for i in range(6000):
    arr = np.append(arr, i * 0.5)
""", labels=("algorithm",), fires=("quadratic-build",)),
    case("pd-concat", "import pandas as pd", """
frame = pd.DataFrame({"x": []})
for i in range(250):
    frame = pd.concat([frame, pd.DataFrame({"x": [i]})])
""", labels=("algorithm",), fires=("quadratic-build",), needs=("pandas",)),
    case("list-append", "", """
acc2 = []
for i in range(400_000):
    acc2.append(i)
""", near_miss=("quadratic-build",)),
    case("sorted-in-loop", "import random\nscores = [random.random() for _ in range(20_000)]", """
above = []
for q in range(60):
    above.append(sorted(scores)[len(scores) // 2] > q / 60)
""", labels=("algorithm",), fires=("sort-in-loop",), near_miss=("loop-invariant",)),
    case("index-in-comprehension", "ids = list(range(30_000)); lookups = [i * 97 % 30_000 for i in range(400)]", """
pos = [ids.index(k) for k in lookups]
""", labels=("algorithm",), fires=("sort-in-loop",)),
    case("sorted-rows", "import random\nrows = [[random.random() for _ in range(8)] for _ in range(60_000)]", """
out = []
for row in rows:
    out.append(sorted(row))
""", near_miss=("sort-in-loop",)),
    case("loop-invariant-norm", "import numpy as np\nM = np.random.rand(1200, 1200).astype(np.float32); thresholds = list(range(40))", """
res = []
for t in thresholds:
    res.append(t * np.linalg.norm(M))
""", labels=("algorithm",), fires=("loop-invariant",)),
    case("loop-variant-norm", "import numpy as np\nM = np.random.rand(1200, 1200).astype(np.float32); thresholds = list(range(40))", """
res = []
for t in thresholds:
    res.append(np.linalg.norm(M * t))
""", near_miss=("loop-invariant",)),
]

"""Vectorization: loops over NumPy arrays, math per element, pandas rows."""

from . import case

NP = "import numpy as np, math, random\n"
DF = "import numpy as np, pandas as pd\n"

CASES = [
    case("numpy-loop-hypot", NP + "a = np.random.rand(60_000); b = np.random.rand(60_000); out = np.empty_like(a)", """
for i in range(len(a)):
    out[i] = math.sqrt(a[i] ** 2 + b[i] ** 2)
""", labels=("vectorization",), fires=("numpy-loop",)),
    case("numpy-loop-dot", NP + "x = np.random.rand(120_000); w = np.random.rand(120_000)", """
total = 0.0
for i in range(len(x)):
    total += x[i] * w[i]
""", labels=("vectorization",), fires=("numpy-loop",)),
    case("numpy-loop-in-function", NP + """sig = np.random.rand(40_000)
def smooth(s):
    res = np.zeros_like(s)
    for i in range(1, len(s) - 1):
        res[i] = (s[i - 1] + s[i] + s[i + 1]) / 3
    return res
""", "sm = smooth(sig)", labels=("vectorization",), fires=("numpy-loop",)),
    case("numpy-few-chunks", NP + "big = np.random.randint(0, 1000, (8, 400_000)); blocks = np.empty_like(big)", """
for i in range(8):
    blocks[i] = np.sort(big[i])
""", near_miss=("numpy-loop",)),
    case("numpy-already-vectorized", NP + "a32 = np.random.rand(3_000_000).astype(np.float32); b32 = a32[::-1].copy()", """
c = np.hypot(a32, b32)
""", near_miss=("numpy-loop", "float64-arrays", "large-temporaries")),
    case("math-comprehension", NP + "vals = [random.random() for _ in range(250_000)]", """
res = [math.exp(-v * v) for v in vals]
""", labels=("vectorization",), fires=("math-per-element",)),
    case("math-for-loop", NP + "vals = [random.random() + 0.5 for _ in range(120_000)]", """
acc = []
for v in vals:
    acc.append(math.log1p(v) * math.sqrt(v))
""", labels=("vectorization",), fires=("math-per-element",)),
    case("math-not-hot", "import math, time", """
for k in range(6):
    r = math.sqrt(k)
    time.sleep(0.03)
""", near_miss=("math-per-element", "loop-invariant", "cpu-bound-loop")),
    case("pandas-iterrows", DF + "df = pd.DataFrame({'price': np.random.rand(3000), 'qty': np.arange(3000)})", """
total = 0
for _, row in df.iterrows():
    total += row["price"] * row["qty"]
""", labels=("vectorization",), fires=("pandas-iterrows",), needs=("pandas",)),
    case("pandas-itertuples", DF + "df = pd.DataFrame({'price': np.random.rand(60_000), 'qty': np.arange(60_000)})", """
out = []
for r in df.itertuples():
    out.append(r.price * r.qty)
""", labels=("vectorization",), fires=("pandas-iterrows",), needs=("pandas",)),
    case("pandas-apply-rows", DF + "df = pd.DataFrame({'price': np.random.rand(6000), 'qty': np.arange(6000)})", """
df["total"] = df.apply(lambda r: r["price"] * r["qty"], axis=1)
""", labels=("vectorization",), fires=("pandas-apply-rows",), needs=("pandas",)),
    case("pandas-columns", DF + "df = pd.DataFrame({'price': np.random.rand(2_000_000), 'qty': np.arange(2_000_000)})", """
df["total"] = df["price"] * df["qty"]
sums = df.apply(np.sum, axis=0)
""", near_miss=("pandas-apply-rows", "pandas-iterrows"), needs=("pandas",)),
]

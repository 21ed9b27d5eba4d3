"""Memory: float64 where float32 serves, needless copies, large temporaries."""

from . import case

NP = "import numpy as np\n"

CASES = [
    case("float64-matmul", NP + "A = np.random.rand(800, 800); B = np.random.rand(800, 800)", """
for _ in range(3):
    C = A @ B
""", labels=("memory",), fires=("float64-arrays",)),
    case("float32-matmul", NP + "A32 = np.random.rand(800, 800).astype(np.float32); B32 = A32.T.copy()", """
for _ in range(6):
    C32 = A32 @ B32
""", near_miss=("float64-arrays",)),
    case("needless-copy", NP + "big = np.random.rand(4_000_000)", """
snapshot = big.copy()
total = snapshot.max()
""", labels=("memory",), fires=("needless-copy",), near_miss=("float64-arrays",)),
    case("needed-copy", NP + "big = np.random.rand(4_000_000)", """
work = big.copy()
work *= 2
""", near_miss=("needless-copy",)),
    case("large-temporaries", NP + "x1 = np.random.rand(3_000_000); x2 = np.random.rand(3_000_000); x3 = np.random.rand(3_000_000)", """
y = 3.0 * x1 * x1 + 2.0 * x2 - x3 / 4.0
""", labels=("memory",), fires=("large-temporaries",), near_miss=("float64-arrays",)),
    case("one-operation", NP + "x1 = np.random.rand(6_000_000); x2 = np.random.rand(6_000_000)", """
y = x1 + x2
""", near_miss=("large-temporaries",)),
]

"""How often ``perfnb compare --max-slowdown 10%`` fails a cell, by true slowdown and noise.

Simulated repeat distributions (seeded): lognormal run-to-run noise, and the same with
10% outliers three times slower (a busy machine). For each case it prints the share of
trials that fail the gate, next to a naive rule that fails when the median ratio alone
exceeds 1.10. A true slowdown of 1.00 or 1.10 should (almost) never fail the gate; the
naive rule fails those often when the noise is large.

    .venv/bin/python benchmarks/compare_gate.py
"""

from __future__ import annotations

import random
import statistics

from perfnb.stats import ratio_ci

TRIALS = 300
THRESHOLD = 0.10


def runs(rng: random.Random, n: int, scale: float, sigma: float, outliers: float) -> list[float]:
    return [scale * rng.lognormvariate(0, sigma) * (3.0 if rng.random() < outliers else 1.0) for _ in range(n)]


def rates(n: int, truth: float, sigma: float, outliers: float, seed: int) -> tuple[float, float]:
    rng = random.Random(seed)
    gate = naive = 0
    for _ in range(TRIALS):
        base = runs(rng, n, 0.010, sigma, outliers)
        new = runs(rng, n, 0.010 * truth, sigma, outliers)
        ci = ratio_ci(base, new)
        gate += ci is not None and ci[1] > 1.0 + THRESHOLD
        naive += statistics.median(new) / statistics.median(base) > 1.0 + THRESHOLD
    return gate / TRIALS, naive / TRIALS


def main() -> None:
    print(f"share of {TRIALS} simulated comparisons failing --max-slowdown {THRESHOLD:.0%} (gate | naive median rule)")
    print(f"{'noise':<28} {'runs':>4}  " + "  ".join(f"{f'x{t:.2f}':>13}" for t in (1.0, 1.1, 1.2, 1.5)))
    for label, sigma, outliers in [("lognormal 5%", 0.05, 0.0), ("lognormal 20%", 0.20, 0.0),
                                   ("lognormal 5% + 10% at 3x", 0.05, 0.10)]:
        for n in (5, 10, 20):
            cells = []
            for i, truth in enumerate((1.0, 1.1, 1.2, 1.5)):
                gate, naive = rates(n, truth, sigma, outliers, seed=1000 * n + i)
                cells.append(f"{gate:>5.0%} | {naive:>4.0%}")
            print(f"{label:<28} {n:>4}  " + "  ".join(f"{c:>13}" for c in cells))


if __name__ == "__main__":
    main()

"""The statistics of ``perfnb compare``: the Mann-Whitney null distribution and the ratio interval."""

from __future__ import annotations

import math
import random

from perfnb.stats import exceedance_p, mann_whitney_null_counts, ratio_ci


def test_null_counts_are_the_orderings_of_two_samples() -> None:
    for n, m in [(1, 1), (3, 4), (5, 5), (7, 3)]:
        counts = mann_whitney_null_counts(n, m)
        assert len(counts) == n * m + 1
        assert sum(counts) == math.comb(n + m, n)
        assert counts == counts[::-1]  # U is symmetric about nm/2
    # The textbook critical value: n = m = 5, two-sided 5%: P(U <= 2) <= 0.025 < P(U <= 3)
    counts = mann_whitney_null_counts(5, 5)
    assert sum(counts[:3]) / 252 <= 0.025 < sum(counts[:4]) / 252


def test_ratio_interval_finds_a_real_slowdown_and_only_then() -> None:
    rng = random.Random(7)
    base = [0.010 * rng.lognormvariate(0, 0.05) for _ in range(12)]
    slower = [0.020 * rng.lognormvariate(0, 0.05) for _ in range(12)]
    same = [0.010 * rng.lognormvariate(0, 0.05) for _ in range(12)]
    estimate, low, high = ratio_ci(base, slower) or (0, 0, 0)
    assert 1.8 < low < estimate < high < 2.2
    estimate, low, high = ratio_ci(base, same) or (0, 0, 0)
    assert low < 1.0 < high


def test_ratio_interval_covers_the_truth_about_95_percent_of_the_time() -> None:
    rng = random.Random(1)
    covered = 0
    trials = 400
    for _ in range(trials):
        base = [rng.expovariate(1.0) + 1.0 for _ in range(8)]
        new = [1.5 * (rng.expovariate(1.0) + 1.0) for _ in range(8)]
        _, low, high = ratio_ci(base, new) or (0, 0, 0)
        covered += low <= 1.5 <= high
    assert 0.91 <= covered / trials <= 0.995


def test_too_few_runs_give_no_interval() -> None:
    assert ratio_ci([1.0, 1.1, 0.9], [2.0, 2.1, 1.9]) is None  # 3 runs each cannot reach 95%
    assert ratio_ci([1.0] * 4, [2.0] * 4) is not None


def test_exceedance_test_of_a_p99_limit() -> None:
    assert exceedance_p([0.001] * 20, 0.015, 0.99) == (0, 1.0)
    above, p = exceedance_p([0.001] * 19 + [0.02], 0.015, 0.99)
    assert above == 1 and p > 0.05  # one slow run in 20 is what a 1% tail gives
    above, p = exceedance_p([0.001] * 17 + [0.02] * 3, 0.015, 0.99)
    assert above == 3 and p < 0.01

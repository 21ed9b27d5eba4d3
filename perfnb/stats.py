"""Latency statistics over repeated runs: percentiles and a confidence interval for the median."""

from __future__ import annotations

import math
import statistics

from .model import Timing


def percentile(sorted_values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between closest ranks."""
    if not sorted_values:
        return 0.0
    pos = (len(sorted_values) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def median_ci(sorted_values: list[float], confidence: float = 0.95) -> list[float] | None:
    """Distribution-free confidence interval for the median (binomial order statistics).

    Needs at least 6 runs for a 95% interval; returns None with fewer.
    """
    n = len(sorted_values)
    if n < 6:
        return None
    alpha = 1.0 - confidence
    # Largest k with P(Binomial(n, 1/2) < k) <= alpha/2: the interval is [x_(k), x_(n-k+1)].
    cumulative = 0.0
    k = 0
    for i in range(n + 1):
        p = math.comb(n, i) / 2.0**n
        if cumulative + p > alpha / 2:
            break
        cumulative += p
        k = i + 1
    if k < 1:
        return None
    return [sorted_values[k - 1], sorted_values[n - k]]


def timing_from_runs(runs_s: list[float], cpu_s: float, warmup: int = 0) -> Timing:
    """Summarise per-run wall times; wall_s is the total of the measured runs."""
    ordered = sorted(runs_s)
    return Timing(
        wall_s=sum(runs_s),
        cpu_s=cpu_s,
        runs_s=list(runs_s),
        p50_s=percentile(ordered, 50),
        p95_s=percentile(ordered, 95),
        p99_s=percentile(ordered, 99),
        mean_s=statistics.fmean(ordered),
        stdev_s=statistics.stdev(ordered) if len(ordered) > 1 else 0.0,
        min_s=ordered[0],
        max_s=ordered[-1],
        p50_ci_s=median_ci(ordered),
        warmup=warmup,
    )

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


def mann_whitney_null_counts(n: int, m: int) -> list[int]:
    """How many of the C(n+m, n) orderings of two samples (sizes n, m, no ties) give each
    Mann-Whitney U = 0..n*m: the coefficients of the Gaussian binomial [n+m choose n]."""
    poly = [1]
    for i in range(1, n + 1):
        grown = [*poly, *([0] * (m + i))]  # multiply by (1 - q^(m+i))
        for j in range(len(poly) - 1, -1, -1):
            grown[j + m + i] -= poly[j]
        for j in range(i, len(grown)):  # divide by (1 - q^i), exactly
            grown[j] += grown[j - i]
        poly = grown[: len(grown) - i]
    return poly


EXACT_U_LIMIT = 10_000  # n*m above this uses the normal approximation of U


def _u_rank(n: int, m: int, confidence: float) -> int:
    """The k of the distribution-free interval [D_(k), D_(nm+1-k)] for a shift (Moses); 0 if none."""
    alpha = 1.0 - confidence
    if n * m <= EXACT_U_LIMIT:
        counts = mann_whitney_null_counts(n, m)
        total = math.comb(n + m, n)
        cumulative = 0
        k = 0
        for u, c in enumerate(counts):
            cumulative += c
            if cumulative / total > alpha / 2:
                break
            k = u + 1
        return k
    z = statistics.NormalDist().inv_cdf(1.0 - alpha / 2)
    return max(0, math.floor(n * m / 2 - z * math.sqrt(n * m * (n + m + 1) / 12)))


def ratio_ci(base: list[float], new: list[float], confidence: float = 0.95) -> tuple[float, float, float] | None:
    """How many times longer ``new`` takes than ``base``: (estimate, low, high).

    The Hodges-Lehmann estimate and the Moses (Mann-Whitney) confidence interval of
    the shift between the log-times, turned back into a ratio. Distribution-free; it
    needs no normality, only that one sample is a scaled copy of the other. None when
    the samples are too small for the confidence asked (e.g. fewer than 4 runs each
    at 95%) or hold a non-positive time.
    """
    if not base or not new or min(base) <= 0 or min(new) <= 0:
        return None
    k = _u_rank(len(base), len(new), confidence)
    if k < 1:
        return None
    logs_base = [math.log(x) for x in base]
    diffs = sorted(math.log(y) - x for y in new for x in logs_base)
    estimate = statistics.median(diffs)
    return math.exp(estimate), math.exp(diffs[k - 1]), math.exp(diffs[len(diffs) - k])


def exceedance_p(runs: list[float], limit: float, quantile: float) -> tuple[int, float]:
    """Runs above ``limit`` and the chance of at least that many if the true ``quantile``
    (0..1) of the run time were at ``limit`` (a one-sided binomial test)."""
    above = sum(1 for r in runs if r > limit)
    n = len(runs)
    tail = 1.0 - quantile
    p = sum(math.comb(n, i) * tail**i * quantile ** (n - i) for i in range(above, n + 1))
    return above, min(1.0, p)

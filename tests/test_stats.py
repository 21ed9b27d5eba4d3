"""Latency statistics for -n runs."""

from __future__ import annotations

import pytest

from perfnb.stats import median_ci, percentile, timing_from_runs


def test_percentiles_interpolate_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile([3.0], 99) == 3.0


def test_median_interval_uses_order_statistics() -> None:
    values = [float(v) for v in range(1, 21)]
    # For n = 20 at 95%: the 6th and the 15th order statistics.
    assert median_ci(values) == [6.0, 15.0]
    assert median_ci([1.0, 2.0, 3.0]) is None


def test_timing_summary_of_runs() -> None:
    timing = timing_from_runs([0.3, 0.1, 0.2, 0.4], cpu_s=0.9, warmup=2)
    assert timing.wall_s == pytest.approx(1.0)
    assert (timing.min_s, timing.max_s) == (0.1, 0.4)
    assert timing.p50_s == pytest.approx(0.25)
    assert timing.mean_s == pytest.approx(0.25)
    assert timing.stdev_s == pytest.approx(0.1290994, rel=1e-5)
    assert timing.warmup == 2
    assert timing.runs_s == [0.3, 0.1, 0.2, 0.4]

"""The overhead benchmark's estimator: each run is compared with the bare run of its own round."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import overhead


def test_a_ratio_is_the_median_of_the_rounds_ratios() -> None:
    # The host slows down from round to round: in its own round the mode costs 10%, 0%, 20%.
    results = overhead.Results(times={("w", "bare"): [1.0, 2.0, 3.0], ("w", "%%perf"): [1.1, 2.0, 3.6]})
    assert results.ratio("w", "%%perf") == pytest.approx(1.1)
    # The ratio of the medians sees only the middle round.
    assert results.ratio_of_medians("w", "%%perf") == pytest.approx(1.0)


def test_a_mode_with_runs_missing_from_a_round_is_refused() -> None:
    results = overhead.Results(times={("w", "bare"): [1.0, 2.0], ("w", "%%perf"): [1.1]})
    with pytest.raises(ValueError):
        results.ratio("w", "%%perf")

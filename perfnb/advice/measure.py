"""Timing and comparing a candidate against the original, for --verify."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

BUDGET_S = 3.0  # per side: the best of up to REPEATS runs, fewer when a run is long
REPEATS = 5


@dataclass
class Measurement:
    """What --verify found: keep the suggestion or withdraw it, and the sentence that says why."""

    keep: bool
    text: str
    speedup: float | None = None


def best_time(run: Callable[[], Any], budget_s: float = BUDGET_S) -> tuple[float, Any]:
    """The fastest of a few runs (at least two, so a first-call cost is not the only sample)."""
    best = math.inf
    result: Any = None
    spent = 0.0
    for attempt in range(REPEATS):
        started = time.perf_counter()
        result = run()
        elapsed = time.perf_counter() - started
        best = min(best, elapsed)
        spent += elapsed
        if attempt >= 1 and spent + elapsed > budget_s:
            break
    return best, result


def difference(reference: Any, candidate: Any) -> tuple[float, float] | None:
    """(max |Δ|, max |Δ| / max |reference|) between two numeric results; None when not numeric."""
    a, b = _as_numpy(reference), _as_numpy(candidate)
    if a is None or b is None or a.shape != b.shape:
        return None
    import numpy as np

    if a.size == 0:
        return 0.0, 0.0
    delta = float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))
    scale = float(np.max(np.abs(a.astype(np.float64))))
    return delta, delta / scale if scale > 0 else delta


def _as_numpy(value: Any) -> Any:
    import sys

    np = sys.modules.get("numpy")
    if np is None:
        return None
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        return value.detach().float().cpu().numpy()
    if isinstance(value, (int, float)):
        return np.asarray(float(value))
    if isinstance(value, np.ndarray) and value.dtype.kind in "fiub":
        return value
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, (int, float)) for v in value):
        return np.asarray(value, dtype=np.float64)
    return None


def faster(original_s: float, candidate_s: float) -> float:
    return original_s / candidate_s if candidate_s > 0 else math.inf


def speed_text(ratio: float) -> str:
    return f"{ratio:.1f}× faster" if ratio >= 1 else f"{1 / ratio:.1f}× slower"


def delta_text(found: tuple[float, float] | None) -> str:
    if found is None:
        return ""
    absolute, relative = found
    if absolute == 0:
        return ", identical results"
    return f", max |Δ| {absolute:.1g} (relative {relative:.1g})"

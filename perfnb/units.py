"""Quantities typed on the command line: ``10%``, ``15ms``, ``500MB``."""

from __future__ import annotations

import re

_NUMBER = r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*"
_TIME_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "": 1.0}
_SIZE_UNITS = {"": 1, "b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3,
               "kib": 1024, "mib": 1024**2, "gib": 1024**3, "k": 1024, "m": 1024**2, "g": 1024**3}


def parse_percent(text: str) -> float:
    """``10%`` (or ``10``) -> 0.10."""
    match = re.fullmatch(_NUMBER + r"%?\s*", text)
    if match is None:
        raise ValueError(f"expected a percentage such as 10%, got {text!r}")
    return float(match.group(1)) / 100.0


def parse_duration(text: str) -> float:
    """``15ms`` -> 0.015 seconds (a bare number is seconds)."""
    match = re.fullmatch(_NUMBER + r"(ns|us|µs|ms|s)?\s*", text)
    if match is None:
        raise ValueError(f"expected a time such as 15ms, got {text!r}")
    return float(match.group(1)) * _TIME_UNITS[match.group(2) or ""]


def parse_size(text: str) -> int:
    """``500MB`` -> 500_000_000 bytes; ``1GiB`` -> 2**30."""
    match = re.fullmatch(_NUMBER + r"([A-Za-z]*)\s*", text)
    if match is None or match.group(2).lower() not in _SIZE_UNITS:
        raise ValueError(f"expected a size such as 500MB, got {text!r}")
    return round(float(match.group(1)) * _SIZE_UNITS[match.group(2).lower()])

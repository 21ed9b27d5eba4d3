"""Profiles of other tools turned into perfnb profiles, so perfnb's views can show them."""

from __future__ import annotations

from typing import Any

from ..errors import InputError
from ..model import Profile

KINDS = ("scalene", "pyinstrument")


def detect(data: Any) -> str | None:
    """Which tool wrote this JSON: 'scalene', 'pyinstrument' or None."""
    if isinstance(data, dict):
        if "frame_records" in data and "duration" in data:
            return "pyinstrument"
        if "files" in data and "elapsed_time_sec" in data:
            return "scalene"
    return None


def import_profile(data: Any, kind: str | None, where: str) -> Profile:
    kind = kind or detect(data)
    if kind is None:
        raise InputError(f"{where}: not a Scalene JSON profile or a pyinstrument session")
    try:
        if kind == "scalene":
            from .scalene import from_scalene

            return from_scalene(data)
        from .pyinstrument import from_pyinstrument

        return from_pyinstrument(data)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise InputError(f"{where}: malformed {kind} data ({type(exc).__name__}: {exc})") from None

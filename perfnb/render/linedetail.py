"""What the --memory and --lines sections show, shared by the text and HTML views.

Each section is a list of rows of already-formatted cells (strings), so a view
only lays them out (and escapes them, in HTML).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import LineStat, Profile
from . import format as fmt

RETAINED_HINT_BYTES = 1_000_000


@dataclass
class Section:
    title: str
    header: list[str]
    rows: list[list[str]]  # the last cell of a row is "where: code"
    note: str = ""


def _place(stat: LineStat) -> str:
    function = f" ({stat.function})" if stat.function else ""
    return f"{fmt.where(stat)}{function}: {stat.code}"


def memory_section(profile: Profile, top: int = 8) -> Section | None:
    """The lines that held the most memory (tracemalloc), with the retained-memory hint."""
    traced = [s for s in profile.lines if s.alloc_bytes is not None and s.peak_bytes is not None]
    if not traced:
        return None
    ranked = sorted(traced, key=lambda s: s.alloc_bytes or 0, reverse=True)
    rows = [
        [
            fmt.size(s.alloc_bytes or 0),
            fmt.size(s.peak_bytes or 0),
            fmt.size(s.retained_bytes or 0),
            f"{s.alloc_count or 0:,}",
            _place(s),
        ]
        for s in ranked[:top]
        if (s.alloc_bytes or 0) > 0
    ]
    return Section(
        title="Memory by line (tracemalloc; a line includes what the functions it calls allocated)",
        header=["most held", "at peak", "retained", "blocks", "where"],
        rows=rows,
        note=retained_hint(profile),
    )


def retained_hint(profile: Profile) -> str:
    """One sentence when the cell left memory behind: how much, and the cell lines holding it."""
    retained = profile.memory.retained_bytes
    if retained is None or retained < RETAINED_HINT_BYTES:
        return ""
    holders = sorted(
        (s for s in profile.lines if s.origin == "cell" and (s.retained_bytes or 0) >= 0.1 * retained),
        key=lambda s: s.retained_bytes or 0,
        reverse=True,
    )[:3]
    where = ", ".join(f"{fmt.where(s)} ({fmt.size(s.retained_bytes or 0)})" for s in holders)
    return f"This cell left {fmt.size(retained)} allocated" + (f": {where}." if where else ".")


def rss_section(profile: Profile, top: int = 8) -> Section | None:
    """Memory per line without a traced figure: RSS change (memory_profiler), or the memory an
    imported Scalene profile says a line allocated."""
    measured = [s for s in profile.lines if s.alloc_bytes is not None and s.peak_bytes is None]
    if not measured:
        return None
    ranked = sorted(measured, key=lambda s: abs(s.alloc_bytes or 0), reverse=True)[:top]
    rows = [[fmt.size(s.alloc_bytes or 0), f"{s.hits or 0:,}", _place(s)] for s in ranked if s.alloc_bytes]
    if any(engine.startswith("scalene") for engine in profile.meta.engines):
        return Section(title="Memory allocated by line (Scalene)", header=["allocated", "hits", "where"], rows=rows)
    return Section(
        title="RSS change by line (memory_profiler; a line includes the functions it calls)",
        header=["RSS change", "hits", "where"],
        rows=rows,
    )


def hits_section(profile: Profile, top: int = 12) -> Section | None:
    """Exact hits and time per line (line_profiler), the most time first."""
    timed = [s for s in profile.lines if s.line_time_s is not None and s.hits]
    if not timed:
        return None
    ranked = sorted(timed, key=lambda s: s.line_time_s or 0.0, reverse=True)[:top]
    rows = [
        [
            f"{s.hits or 0:,}",
            fmt.seconds(s.line_time_s or 0.0),
            fmt.seconds((s.line_time_s or 0.0) / (s.hits or 1)),
            _place(s),
        ]
        for s in ranked
    ]
    return Section(
        title="Exact line timings (line_profiler; times include the functions a line calls)",
        header=["hits", "time", "per hit", "where"],
        rows=rows,
    )


def sections(profile: Profile) -> list[Section]:
    found = (memory_section(profile), rss_section(profile), hits_section(profile))
    return [s for s in found if s is not None and (s.rows or s.note)]

"""Human-readable numbers shared by every view."""

from __future__ import annotations

from ..model import LineStat, Profile
from ..sources import short_path


def seconds(value: float) -> str:
    if value >= 100:
        return f"{value:.0f} s"
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.1f} ms"
    return f"{value * 1e6:.0f} µs"


def size(value: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(value) < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


def share(part: float, whole: float) -> float:
    return part / whole if whole > 0 else 0.0


def where(stat: LineStat) -> str:
    """``In [5] line 3`` for a cell, ``path:line`` for a file."""
    if stat.origin == "cell":
        return f"{stat.file} line {stat.line}"
    return f"{short_path(stat.file)}:{stat.line}"


def headline(profile: Profile) -> list[tuple[str, str]]:
    """The summary figures as (label, value) pairs, in display order."""
    t = profile.timing
    items = [("wall", seconds(t.wall_s)), ("CPU", seconds(t.cpu_s))]
    if len(t.runs_s) > 1:
        items.append(("runs", str(len(t.runs_s))))
        ci = f" [{seconds(t.p50_ci_s[0])} – {seconds(t.p50_ci_s[1])}]" if t.p50_ci_s else ""
        items += [("p50", seconds(t.p50_s) + ci), ("p95", seconds(t.p95_s)), ("p99", seconds(t.p99_s))]
    if profile.memory.rss_peak_bytes:
        items.append(("peak RSS", size(profile.memory.rss_peak_bytes)))
    if profile.memory.traced_peak_bytes is not None:
        items.append(("traced peak", size(profile.memory.traced_peak_bytes)))
    if profile.gc.time_s > 0:
        items.append(("GC", f"{seconds(profile.gc.time_s)} in {sum(profile.gc.collections)} collections"))
    if profile.meta.samples:
        items.append(("samples", f"{profile.meta.samples:,}"))
    return items


def hot_lines(profile: Profile, n: int = 10) -> list[LineStat]:
    """The hottest lines worth showing: user code first-class, library lines only when hot.

    A cell line that merely calls a hotter line deeper down is still shown: it is
    where the user's code spends the time.
    """
    total = profile.timing.wall_s or 1.0
    ranked = sorted(profile.lines, key=lambda s: s.time_s, reverse=True)
    return [s for s in ranked if s.time_s >= 0.005 * total][:n]

"""The text/plain view: a summary and the hottest lines."""

from __future__ import annotations

from ..model import Profile
from . import format as fmt
from .advice_view import suggestion_lines
from .linedetail import sections
from .torch_view import torch_sections


def render_text(profile: Profile, top: int = 10) -> str:
    title = profile.cell.execution_count
    head = f"perfnb · In [{title if title is not None else ' '}] · " + " · ".join(
        f"{label} {value}" for label, value in fmt.headline(profile)
    )
    lines = [head]
    hot = fmt.hot_lines(profile, top)
    if hot:
        lines.append(f"{'time':>10} {'share':>6} {'native':>7}  where")
        total = profile.timing.wall_s
        for stat in hot:
            native = fmt.share(stat.native_s, stat.time_s)
            function = f"  ({stat.function})" if stat.function else ""
            lines.append(
                f"{fmt.seconds(stat.time_s):>10} {fmt.share(stat.time_s, total):>6.0%} {native:>7.0%}  "
                f"{fmt.where(stat)}{function}: {stat.code}"
            )
    elif profile.timing.wall_s < 0.005:
        lines.append("The cell ran too briefly to sample; use -n to repeat it.")
    lines.extend(_detail_lines(profile))
    lines.extend(suggestion_lines(profile))
    for thread in profile.threads:
        lines.append(f"thread {thread.name!r}: {fmt.seconds(thread.time_s)} sampled")
    for error in profile.meta.errors:
        lines.append(f"perfnb: {error}")
    return "\n".join(lines)


def _detail_lines(profile: Profile) -> list[str]:
    """The --memory and --lines sections: right-aligned figures, then where and the code."""
    out: list[str] = []
    for section in [*sections(profile), *torch_sections(profile)]:
        out.append(section.title)
        if section.rows:
            out.append(" ".join(f"{h:>10}" for h in section.header[:-1]) + f"  {section.header[-1]}")
            out.extend(" ".join(f"{c:>10}" for c in row[:-1]) + f"  {row[-1]}" for row in section.rows)
        if section.note:
            out.append(section.note)
    return out

"""Pictures for the static HTML report: inline SVG drawn with matplotlib.

matplotlib is imported only when a picture is drawn (the first ``%%perf`` of a session
pays for it, not ``%load_ext perfnb``); without it the report simply has no pictures.
Text from user code (function names) is drawn with mathtext off and written by
matplotlib's SVG writer, which escapes it: it stays text, never markup.
"""

from __future__ import annotations

import io
from html import escape
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

from ..model import Memory, Profile, Timing, TreeNode
from . import format as fmt

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PY_COLOUR = (0.91, 0.455, 0.231)
NATIVE_COLOUR = (0.231, 0.49, 0.91)
INK = "#808080"  # readable on light and dark notebook themes
FLAME_MIN_SHARE = 0.004
FLAME_MAX_DEPTH = 24
FLAME_ROW_IN = 0.2
SVG_SETTINGS = {"svg.fonttype": "none", "font.size": 9}
MIN_SAMPLES = 10  # fewer samples than this: no memory or flame picture (nothing to see, and drawing costs)


def available() -> bool:
    return find_spec("matplotlib") is not None


def pictures_html(profile: Profile) -> str:
    """The report's figures (latency histogram, memory timeline, flame graph) as inline SVG."""
    if not available():
        return ""
    sampled = profile.meta.samples >= MIN_SAMPLES
    figures = [
        ("Latency over the runs", latency_histogram(profile.timing)),
        ("Resident memory", memory_timeline(profile.memory) if sampled else None),
        ("Flame graph (width: time; orange Python, blue native)", flame_graph(profile.tree) if sampled else None),
    ]
    inner = "".join(
        f"<figure class='perfnb-picture' style='margin:4px 12px 4px 0'>{svg}"
        f"<figcaption style='font-size:12px'>{escape(caption)}</figcaption></figure>"
        for caption, svg in figures
        if svg
    )
    return f"<div style='display:flex;flex-wrap:wrap;align-items:flex-end'>{inner}</div>" if inner else ""


def _figure(width_in: float, height_in: float, margins: bool = True) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width_in, height_in), dpi=72)
    if margins:  # fixed margins: a layout engine costs more than the drawing
        figure.subplots_adjust(left=0.03, right=0.97, bottom=0.16, top=0.86)
    return figure


def _svg(figure: Figure) -> str:
    """The figure as an <svg> element (no XML prolog), its text kept as text."""
    import matplotlib as mpl
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    FigureCanvasSVG(figure)
    out = io.StringIO()
    # Set and restore the two settings by hand: mpl.rc_context resets Python's warning
    # registries on exit, so a warning the user already saw would be shown again.
    settings: Any = mpl.rcParams  # typed with literal keys; these two are valid settings
    saved = {key: settings[key] for key in SVG_SETTINGS}
    settings.update(SVG_SETTINGS)
    try:
        figure.savefig(out, format="svg", transparent=True, metadata={"Date": None, "Creator": None})
    finally:
        settings.update(saved)
    text = out.getvalue()
    return text[text.index("<svg") :]


def _bare(ax: Any, low: str, high: str) -> None:
    """No axis machinery (it costs more than the picture): a base line and its two end labels."""
    ax.axis("off")
    ax.axhline(0, color=INK, linewidth=0.8)
    ax.annotate(low, (0, 0), xycoords="axes fraction", xytext=(0, -3), textcoords="offset points",
                color=INK, fontsize=8, ha="left", va="top")
    ax.annotate(high, (1, 0), xycoords="axes fraction", xytext=(0, -3), textcoords="offset points",
                color=INK, fontsize=8, ha="right", va="top")


def latency_histogram(timing: Timing) -> str | None:
    """Runs of ``-n``: a histogram with p50, p95 and p99 marked."""
    runs = timing.runs_s
    if len(runs) < 2:
        return None
    figure = _figure(4.2, 1.6)
    ax = figure.add_subplot()
    bins = max(5, min(30, round(len(runs) ** 0.5)))
    ax.hist(runs, bins=bins, color=NATIVE_COLOUR, alpha=0.7)
    for label, value, style in (("p50", timing.p50_s, "-"), ("p95", timing.p95_s, "--"), ("p99", timing.p99_s, ":")):
        ax.axvline(value, color=INK, linestyle=style, linewidth=1)
        ax.annotate(f"{label} {fmt.seconds(value)}" if label == "p50" else label, (value, 1),
                    xycoords=("data", "axes fraction"), color=INK, fontsize=8, ha="center", va="bottom")
    _bare(ax, fmt.seconds(min(runs)), fmt.seconds(max(runs)))
    return _svg(figure)


def memory_timeline(memory: Memory) -> str | None:
    points = memory.timeline
    if len(points) < 2:
        return None
    figure = _figure(4.2, 1.6)
    ax = figure.add_subplot()
    times = [p[0] for p in points]
    sizes = [p[1] for p in points]
    ax.fill_between(times, sizes, color=NATIVE_COLOUR, alpha=0.25, linewidth=0)
    ax.plot(times, sizes, color=NATIVE_COLOUR, linewidth=1.2)
    peak = max(range(len(sizes)), key=sizes.__getitem__)
    ax.plot([times[peak]], [sizes[peak]], "o", color=PY_COLOUR, markersize=4)
    ax.annotate(f"peak {fmt.size(sizes[peak])}", (times[peak], sizes[peak]), color=INK, fontsize=8,
                xytext=(0, 4), textcoords="offset points", ha="center", annotation_clip=False)
    ax.set_ylim(bottom=0, top=max(sizes) * 1.2)
    _bare(ax, f"{times[0]:.2f} s", f"{times[-1]:.2f} s")
    return _svg(figure)


def _flame_rows(tree: TreeNode) -> list[tuple[int, float, float, TreeNode]]:
    """(depth, start, width, node) of every frame wide enough to see, iteratively."""
    total = tree.time_s or 1.0
    rows: list[tuple[int, float, float, TreeNode]] = []
    stack: list[tuple[TreeNode, int, float]] = [(tree, 0, 0.0)]
    while stack:
        node, depth, start = stack.pop()
        rows.append((depth, start, node.time_s, node))
        if depth + 1 >= FLAME_MAX_DEPTH:
            continue
        offset = start
        for child in node.children:
            if child.time_s >= FLAME_MIN_SHARE * total:
                stack.append((child, depth + 1, offset))
            offset += child.time_s
    return rows


def _frame_colour(node: TreeNode) -> tuple[float, float, float]:
    t = min(1.0, node.native_s / node.time_s) if node.time_s > 0 else 0.0
    library = "site-packages" in node.file or "/lib/python" in node.file
    light = 0.45 if library else 0.05
    return tuple(  # type: ignore[return-value]
        (p + (n - p) * t) * (1 - light) + light for p, n in zip(PY_COLOUR, NATIVE_COLOUR, strict=True)
    )


def flame_graph(tree: TreeNode | None, width_in: float = 9.0) -> str | None:
    """A static flame graph (root at the bottom); frames under 0.4% of the time are left out."""
    if tree is None or not tree.children or tree.time_s <= 0:
        return None
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    rows = _flame_rows(tree)
    depth = max(r[0] for r in rows) + 1
    figure = _figure(width_in, 0.3 + depth * FLAME_ROW_IN, margins=False)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, tree.time_s)
    ax.set_ylim(0, depth)
    ax.axis("off")
    patches = [Rectangle((start, level), width, 0.92) for level, start, width, _ in rows]
    colours = [_frame_colour(node) for *_, node in rows]
    ax.add_collection(PatchCollection(patches, facecolors=colours, edgecolors="none"))
    chars_per_second = width_in * 72 / 5.5 / tree.time_s  # about 5.5 pt per character at 8 pt
    for level, start, width, node in rows:
        room = int(width * chars_per_second) - 1
        if room < 4:
            continue
        label = node.name if len(node.name) <= room else node.name[: room - 1] + "…"
        ax.text(start + tree.time_s * 0.002, level + 0.46, label, fontsize=8, va="center", ha="left",
                color="#111111", parse_math=False, clip_on=True)
    return _svg(figure)

"""Pictures for the static HTML report: inline SVG written directly (no plotting library).

A latency histogram for ``-n``, the resident-memory timeline and a static flame graph.
Drawing them is string building, a millisecond or two, so showing a profile stays cheap.
Every name from user code goes through ``svg.text``: it stays text, never markup.
"""

from __future__ import annotations

from html import escape

from ..engines.sampler import SETTLE_TICKS
from ..model import Memory, Profile, Timing, TreeNode
from ..sources import short_path
from . import format as fmt
from . import svg

PY_COLOUR = (0xE8, 0x74, 0x3B)  # orange, as .perfnb .py in html.py
NATIVE_COLOUR = (0x3B, 0x7D, 0xE8)  # blue, as .perfnb .nat
FLAME_MIN_SHARE = 0.004
FLAME_MAX_DEPTH = 24
FLAME_WIDTH = 720
FLAME_ROW = 17
FLAME_CHAR = 6.6  # px per character of the 11 px monospace frame labels
FLAME_FONT = "font-family='ui-monospace,SFMono-Regular,Menlo,Consolas,monospace' font-size='11'"
# Fewer samples than this: no memory or flame picture (nothing to see). The sampler takes these
# ticks at its starting interval (1 ms) before it widens, so a cell of a few ms has its pictures.
MIN_SAMPLES = SETTLE_TICKS + 1
MARKERS = (("p50", ""), ("p95", " stroke-dasharray='5 3'"), ("p99", " stroke-dasharray='1.5 2'"))


def _hex(rgb: tuple[int, ...]) -> str:
    return "#" + "".join(f"{c:02x}" for c in rgb)


BLUE, ORANGE = _hex(NATIVE_COLOUR), _hex(PY_COLOUR)


def pictures_html(profile: Profile) -> str:
    """The report's figures (latency histogram, memory timeline, flame graph) as inline SVG."""
    sampled = profile.meta.samples >= MIN_SAMPLES
    figures = [
        ("Latency over the runs", latency_histogram(profile.timing)),
        ("Resident memory", memory_timeline(profile.memory) if sampled else None),
        (
            "Flame graph (width: time; orange Python, blue native, paler in libraries)",
            flame_graph(profile.tree) if sampled else None,
        ),
    ]
    inner = "".join(
        f"<figure class='perfnb-picture' style='margin:4px 12px 4px 0'>{picture}"
        f"<figcaption style='font-size:12px'>{escape(caption)}</figcaption></figure>"
        for caption, picture in figures
        if picture
    )
    if not inner:
        return ""
    return f"<div style='display:flex;flex-wrap:wrap;align-items:flex-end'><style>{svg.STYLE}</style>{inner}</div>"


def latency_histogram(timing: Timing) -> str | None:
    """Runs of ``-n``: a histogram with p50, p95 and p99 marked."""
    runs = timing.runs_s
    if len(runs) < 2:
        return None
    low, high = min(runs), max(runs)
    xs = svg.ticks(low, high)
    bins = max(5, min(30, round(len(runs) ** 0.5)))
    step = ((high - low) or (xs[-1] - xs[0]) / 20) / bins
    counts = [0] * bins
    for value in runs:
        counts[min(bins - 1, int((value - low) / step))] += 1
    ys = svg.ticks(0, max(4.0, max(counts) * 1.1))
    plot = svg.Plot((xs[0], xs[-1]), (0, ys[-1]), xs, ys, top=24)
    parts = [plot.axes(svg.tick_text(fmt.seconds), lambda v: f"{v:.0f}", "time per run", "runs")]
    for i, count in enumerate(counts):
        if count:
            start, end = low + i * step, low + (i + 1) * step
            x, top = plot.x(start), plot.y(count)
            parts.append(
                f"<rect fill='{BLUE}' fill-opacity='0.75' x='{x:.1f}' y='{top:.1f}' "
                f"width='{max(1.0, plot.x(end) - x - 1):.1f}' height='{plot.y(0) - top:.1f}'>"
                f"<title>{count} runs from {fmt.seconds(start)} to {fmt.seconds(end)}</title></rect>"
            )
    for i, ((name, dash), value) in enumerate(zip(MARKERS, (timing.p50_s, timing.p95_s, timing.p99_s), strict=True)):
        x, key = plot.x(value), 10 + i * 115  # the line across the bars, and its key in a row above them
        parts.append(
            f"<g class='rule' stroke='{svg.INK}' stroke-width='1.2'{dash}>"
            f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{plot.top - 2}' y2='{plot.y(0):.1f}'/>"
            f"<line x1='{key}' x2='{key + 18}' y1='8' y2='8'/></g>"
            + svg.label(key + 22, 11.5, f"{name} {fmt.seconds(value)}", "start")
        )
    summary = (
        f"Latency histogram of {len(runs)} runs from {fmt.seconds(low)} to {fmt.seconds(high)}: "
        f"p50 {fmt.seconds(timing.p50_s)}, p95 {fmt.seconds(timing.p95_s)}, p99 {fmt.seconds(timing.p99_s)}"
    )
    return svg.root(plot.width, plot.height, summary, "".join(parts))


def memory_timeline(memory: Memory) -> str | None:
    """Resident memory over the run, its peak marked."""
    points = memory.timeline
    if len(points) < 2 or points[-1][0] <= points[0][0]:
        return None
    peak_t, peak = max(points, key=lambda p: p[1])
    start, end = points[0][0], points[-1][0]
    ys = svg.ticks(0, peak * 1.15)
    xs = [t for t in svg.ticks(start, end) if start - 1e-9 <= t <= end + 1e-9]
    plot = svg.Plot((start, end), (0, ys[-1]), xs, ys, top=16)
    line = plot.points(points)
    base = plot.y(0)
    x, y = plot.x(peak_t), plot.y(peak)
    anchor = "start" if x < plot.left + 60 else "end" if x > plot.width - plot.right - 60 else "middle"
    body = (
        plot.axes(svg.tick_text(fmt.seconds), svg.tick_text(fmt.size),
                  "time since the cell started", "resident memory")
        + f"<polygon fill='{BLUE}' fill-opacity='0.25' points='{plot.x(start):.1f},{base:.1f} {line} "
        f"{plot.x(end):.1f},{base:.1f}'/>"
        + f"<polyline fill='none' stroke='{BLUE}' stroke-width='1.5' stroke-linejoin='round' points='{line}'/>"
        + f"<circle fill='{ORANGE}' cx='{x:.1f}' cy='{y:.1f}' r='3.5'/>"
        + svg.label(x, y - 7, f"peak {fmt.size(peak)}", anchor)
    )
    summary = (
        f"Resident memory over {fmt.seconds(end - start)}: {fmt.size(points[0][1])} at the start, "
        f"{fmt.size(points[-1][1])} at the end, peak {fmt.size(peak)} at {fmt.seconds(peak_t)}"
    )
    return svg.root(plot.width, plot.height, summary, body)


def _flame_rows(tree: TreeNode) -> list[tuple[int, float, TreeNode]]:
    """(depth, start, node) of every frame wide enough to see, iteratively."""
    total = tree.time_s or 1.0
    rows: list[tuple[int, float, TreeNode]] = []
    stack: list[tuple[TreeNode, int, float]] = [(tree, 0, 0.0)]
    while stack:
        node, depth, start = stack.pop()
        rows.append((depth, start, node))
        if depth + 1 >= FLAME_MAX_DEPTH:
            continue
        offset = start
        for child in node.children:
            if child.time_s >= FLAME_MIN_SHARE * total:
                stack.append((child, depth + 1, offset))
            offset += child.time_s
    return rows


def _frame_colour(node: TreeNode) -> str:
    """Orange for Python, blue for native time (mixed by share), paler for library code."""
    t = min(1.0, node.native_s / node.time_s) if node.time_s > 0 else 0.0
    light = 0.45 if "site-packages" in node.file or "/lib/python" in node.file else 0.05
    mix = ((p + (n - p) * t) * (1 - light) + 255 * light for p, n in zip(PY_COLOUR, NATIVE_COLOUR, strict=True))
    return _hex(tuple(round(c) for c in mix))


def _frame_label(node: TreeNode, width: float) -> str | None:
    """The name (and time, when it fits) for a frame ``width`` px wide, or None when too narrow."""
    room = int((width - 6) / FLAME_CHAR)
    if room < 4:
        return None
    timed = f"{node.name} ({fmt.seconds(node.time_s)})"
    if len(timed) <= room:
        return timed
    return node.name if len(node.name) <= room else node.name[: room - 1] + "…"


def flame_graph(tree: TreeNode | None) -> str | None:
    """A static flame graph (root at the bottom); frames under 0.4% of the time are left out."""
    if tree is None or not tree.children or tree.time_s <= 0:
        return None
    rows = _flame_rows(tree)
    depth = max(r[0] for r in rows) + 1
    height = depth * FLAME_ROW
    scale = FLAME_WIDTH / tree.time_s
    parts = [f"<g {FLAME_FONT}>"]
    paths: dict[str, str] = {}  # short_path of each file once: frames share a few files
    for level, start, node in rows:
        x, width, y = start * scale, node.time_s * scale, height - (level + 1) * FLAME_ROW
        if node.file not in paths:
            paths[node.file] = short_path(node.file)
        where = f"{paths[node.file]}:{node.line}" if node.file != node.name else node.name
        about = (
            f"{node.name}\n{where}\n{fmt.seconds(node.time_s)} ({fmt.share(node.time_s, tree.time_s):.1%}), "
            f"self {fmt.seconds(node.self_s)}, native {fmt.share(node.native_s, node.time_s):.0%}"
        )
        name = _frame_label(node, width)
        caption = f"<text fill='#111111' x='{x + 3:.1f}' y='{y + 12:.1f}'>{svg.text(name)}</text>" if name else ""
        parts.append(
            f"<g><title>{svg.text(about)}</title><rect fill='{_frame_colour(node)}' x='{x:.1f}' y='{y:.1f}' "
            f"width='{max(0.5, width - 0.5):.1f}' height='{FLAME_ROW - 1}'/>{caption}</g>"
        )
    parts.append("</g>")
    widest = sorted(tree.children, key=lambda c: c.time_s, reverse=True)[:3]
    summary = f"Flame graph of {tree.name}, {fmt.seconds(tree.time_s)}; widest calls: " + ", ".join(
        f"{c.name} {fmt.share(c.time_s, tree.time_s):.0%}" for c in widest
    )
    return svg.root(FLAME_WIDTH, height, summary, "".join(parts))

"""The text/html view: a self-contained static report.

Readable without scripts, no external assets, and every string that came from
user code (names, paths, source, messages) goes through ``html.escape``.
"""

from __future__ import annotations

from html import escape

from ..model import LineStat, Profile, TreeNode
from . import format as fmt
from .advice_view import suggestions_html
from .linedetail import Section, sections
from .pictures import pictures_html
from .torch_view import torch_sections

TREE_MIN_SHARE = 0.01
TREE_MAX_DEPTH = 12

STYLE = """
.perfnb{font-family:var(--jp-ui-font-family,system-ui,sans-serif);font-size:13px;
 color:var(--jp-ui-font-color1,#1f2328);max-width:1100px}
.perfnb .chips{display:flex;flex-wrap:wrap;gap:6px;margin:4px 0 8px}
.perfnb .chip{border:1px solid var(--jp-border-color2,#d0d7de);border-radius:10px;padding:1px 8px}
.perfnb .chip b{font-weight:600}
.perfnb table{border-collapse:collapse;width:100%}
.perfnb td,.perfnb th{padding:2px 6px;text-align:left;vertical-align:top}
.perfnb th{font-weight:600;border-bottom:1px solid var(--jp-border-color2,#d0d7de)}
.perfnb td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.perfnb code{font-family:var(--jp-code-font-family,ui-monospace,monospace);white-space:pre}
.perfnb .bar{display:flex;width:120px;height:10px;background:var(--jp-layout-color2,#eee);margin-top:3px}
.perfnb .py{background:#e8743b}.perfnb .nat{background:#3b7de8}
.perfnb .loc{white-space:nowrap;color:var(--jp-ui-font-color2,#57606a)}
.perfnb details{margin-left:14px}.perfnb summary{cursor:pointer}
.perfnb .warn{color:#b35900}
.perfnb .legend span{display:inline-block;width:10px;height:10px;margin:0 3px 0 8px}
"""


def render_html(profile: Profile, top: int = 15) -> str:
    parts = [f"<div class='perfnb'><style>{STYLE}</style>", _header(profile), pictures_html(profile)]
    hot = fmt.hot_lines(profile, top)
    if hot:
        parts.append(_lines_table(hot, profile.timing.wall_s))
    if profile.tree is not None and profile.tree.children:
        parts.append("<details><summary><b>Call tree</b></summary>")
        parts.append(_tree(profile.tree, profile.tree.time_s or 1.0, 0))
        parts.append("</details>")
    parts.extend(_detail_table(section) for section in [*sections(profile), *torch_sections(profile)])
    parts.append(suggestions_html(profile))
    for thread in profile.threads:
        parts.append(
            f"<div>Thread <code>{escape(thread.name)}</code>: {fmt.seconds(thread.time_s)} sampled</div>"
        )
    for error in profile.meta.errors:
        parts.append(f"<div class='warn'>perfnb: {escape(error)}</div>")
    parts.append("</div>")
    return "".join(parts)


def _header(profile: Profile) -> str:
    count = profile.cell.execution_count
    label = f"In [{count if count is not None else ' '}]"
    chips = "".join(
        f"<span class='chip'>{escape(name)} <b>{escape(value)}</b></span>" for name, value in fmt.headline(profile)
    )
    return f"<div><b>perfnb</b> · {escape(label)}</div><div class='chips'>{chips}</div>"


def _bar(stat_time: float, native: float, total: float) -> str:
    whole = fmt.share(stat_time, total) * 100
    native_part = fmt.share(native, stat_time) * whole
    return (
        f"<div class='bar' title='orange: Python, blue: native'><div class='py' style='width:{whole - native_part:.1f}%'>"
        f"</div><div class='nat' style='width:{native_part:.1f}%'></div></div>"
    )


def _lines_table(hot: list[LineStat], total: float) -> str:
    rows = []
    for stat in hot:
        function = f" <span class='loc'>in {escape(stat.function)}</span>" if stat.function else ""
        rows.append(
            "<tr>"
            f"<td class='num'>{fmt.seconds(stat.time_s)}</td>"
            f"<td class='num'>{fmt.share(stat.time_s, total):.0%}</td>"
            f"<td>{_bar(stat.time_s, stat.native_s, total)}</td>"
            f"<td class='loc'>{escape(fmt.where(stat))}{function}</td>"
            f"<td><code>{escape(stat.code)}</code></td>"
            "</tr>"
        )
    legend = "<div class='legend'>share of wall time:<span class='py'></span>Python<span class='nat'></span>native</div>"
    head = "<tr><th>time</th><th>share</th><th></th><th>where</th><th>line</th></tr>"
    return f"<div><b>Hottest lines</b></div>{legend}<table>{head}{''.join(rows)}</table>"


def _tree(node: TreeNode, total: float, depth: int) -> str:
    """Nested <details>; nodes under 1% and levels past TREE_MAX_DEPTH are left out of this view."""
    children = [c for c in node.children if c.time_s >= TREE_MIN_SHARE * total]
    where = f" <span class='loc'>{escape(node.file)}:{node.line}</span>" if node.file and depth else ""
    label = (
        f"<code>{escape(node.name)}</code>{where} — {fmt.seconds(node.time_s)} "
        f"({fmt.share(node.time_s, total):.0%}, self {fmt.seconds(node.self_s)})"
    )
    if not children or depth >= TREE_MAX_DEPTH:
        return f"<div style='margin-left:14px'>{label}</div>"
    inner = "".join(_tree(c, total, depth + 1) for c in children)
    return f"<details open><summary>{label}</summary>{inner}</details>"


def _detail_table(section: Section) -> str:
    """A --memory or --lines section: figures, then where and the code (all escaped)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in section.header)
    rows = "".join(
        "<tr>" + "".join(f"<td class='num'>{escape(c)}</td>" for c in row[:-1]) + f"<td><code>{escape(row[-1])}</code></td></tr>"
        for row in section.rows
    )
    table = f"<table><tr>{head}</tr>{rows}</table>" if section.rows else ""
    note = f"<div class='warn'>{escape(section.note)}</div>" if section.note else ""
    return f"<div><b>{escape(section.title)}</b></div>{table}{note}"

"""The static HTML of an A/B comparison (shown where the interactive panel cannot run)."""

from __future__ import annotations

from html import escape

from ..compare import Comparison
from . import format as fmt


def speedup_text(comparison: Comparison) -> str:
    faster = comparison.speedup >= 1
    factor = comparison.speedup if faster else 1 / comparison.speedup
    ci = ""
    if comparison.speedup_ci:
        low, high = comparison.speedup_ci
        ci = f" (95% CI {low:.2f}× – {high:.2f}×)"
    return f"{factor:.2f}× {'faster' if faster else 'slower'} than “{comparison.name}”{ci}"


def render_comparison_html(comparison: Comparison) -> str:
    rows = "".join(
        "<tr>"
        f"<td class='num'>{'+' if d.delta_s > 0 else ''}{escape(fmt.seconds(d.delta_s) if d.delta_s >= 0 else '-' + fmt.seconds(-d.delta_s))}</td>"
        f"<td class='num'>{escape(fmt.seconds(d.base_s))}</td><td class='num'>{escape(fmt.seconds(d.time_s))}</td>"
        f"<td class='loc'>{escape(d.where)}</td><td><code>{escape(d.code)}</code></td>"
        "</tr>"
        for d in comparison.lines
    )
    table = (
        "<table><tr><th>change</th><th>before</th><th>after</th><th>where</th><th>line</th></tr>" + rows + "</table>"
        if rows
        else "<div>No line changed measurably.</div>"
    )
    note = "" if comparison.speedup_ci else "<div class='loc'>Run both cells with -n for a confidence interval.</div>"
    return (
        f"<div class='perfnb-compare'><div><b>Compare</b> · {escape(speedup_text(comparison))}</div>{note}"
        f"<div class='loc'>p50 {escape(fmt.seconds(comparison.base_p50_s))} ({comparison.base_runs} runs) → "
        f"{escape(fmt.seconds(comparison.new_p50_s))} ({comparison.new_runs} runs)</div>{table}</div>"
    )

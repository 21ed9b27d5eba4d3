"""One self-contained HTML file for a whole notebook run: each profiled cell's source and
its static report (the same renderer as the cell output). No scripts, no external assets;
every string from the notebook is escaped."""

from __future__ import annotations

from html import escape

from ..profile_files import RunDocument
from . import format as fmt
from .html import render_html

PAGE_STYLE = """
body{font-family:system-ui,sans-serif;margin:24px;color:#1f2328}
h1{font-size:20px}h2{font-size:15px;margin:28px 0 6px}
pre.src{background:#f6f8fa;border:1px solid #d0d7de;padding:6px 8px;overflow-x:auto;max-height:16em;font-size:12px}
.meta{color:#57606a}
"""


def render_report(document: RunDocument) -> str:
    title = f"perfnb · {document.notebook}"
    profiled = document.profiles()
    total = sum(p.timing.wall_s for _, p in profiled)
    summary = (
        f"{len(profiled)} profile{'s' * (len(profiled) != 1)} in {len(document.cells)} cell"
        f"{'s' * (len(document.cells) != 1)} · {fmt.seconds(total)} profiled"
        + (f" · run started {document.started_at}" if document.started_at else "")
    )
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{escape(title)}</title><style>{PAGE_STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1><div class='meta'>{escape(summary)}</div>",
    ]
    if not profiled:
        parts.append("<p>No cell showed a profile. Add <code>%%perf</code> to cells, or run with --all-cells.</p>")
    for cell in document.cells:
        cell_id = f" · id {cell.id}" if cell.id else ""
        parts.append(f"<section><h2>Cell {cell.index}{escape(cell_id)}</h2>")
        parts.append(f"<pre class='src'>{escape(cell.source)}</pre>")
        parts.extend(render_html(profile) for profile in cell.profiles)
        parts.append("</section>")
    parts.append("</body></html>\n")
    return "".join(parts)

/**
 * The notebook's profiles as one self-contained HTML file: a summary table,
 * then each profiled cell's static report (the `text/html` perfnb put in the
 * same output, written by perfnb/render/html.py — reused, not re-rendered).
 * Every string taken from the notebook is escaped; `<script>` elements and
 * inline event handlers are dropped from the reused reports, so the file is
 * readable with scripts off and runs nothing.
 */
import { format } from "@perfnb/views";

import type { NotebookView } from "./model";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
}

/** Remove what could run from a reused static report. */
export function inertHtml(html: string): string {
  return html
    .replace(/<script\b[\s\S]*?<\/script\s*>/gi, "")
    .replace(/<script\b[^>]*>/gi, "")
    .replace(/\son[a-z]+\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi, "");
}

const STYLE = `
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
table.pnb-summary{border-collapse:collapse;margin:1em 0}
table.pnb-summary td,table.pnb-summary th{border-bottom:1px solid #ddd;padding:.25em .75em;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
section.pnb-cell{border-top:2px solid #888;margin-top:2em;padding-top:.5em}
pre.pnb-source{background:#f6f6f6;padding:.5em;overflow:auto}
`;

export function notebookReport(name: string, view: NotebookView): string {
  const rows = view.cells
    .map((c) => `<tr><td>${escapeHtml(c.label)}</td><td>${escapeHtml(c.title)}</td><td class="num">${escapeHtml(format.seconds(c.wall_s))}</td><td class="num">${(c.share * 100).toFixed(0)}%</td></tr>`)
    .join("\n");
  const hot = view.hotLines
    .map((l) => `<tr><td>${escapeHtml(l.where)}</td><td><code>${escapeHtml(l.code)}</code></td><td class="num">${escapeHtml(format.seconds(l.time_s))}</td><td class="num">${(l.share * 100).toFixed(0)}%</td></tr>`)
    .join("\n");
  const sections = view.cells
    .map((c) => {
      const body = c.html !== null ? inertHtml(c.html) : `<pre class="pnb-source">${escapeHtml(c.profile.cell.source ?? "")}</pre>`;
      return `<section class="pnb-cell" id="cell-${c.index}"><h2>${escapeHtml(c.label)} — ${escapeHtml(format.seconds(c.wall_s))} (${(c.share * 100).toFixed(0)}% of the notebook)</h2>\n${body}\n</section>`;
    })
    .join("\n");
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>perfnb report — ${escapeHtml(name)}</title><style>${STYLE}</style></head>
<body>
<h1>perfnb report — ${escapeHtml(name)}</h1>
<p>${view.cells.length} profiled cell(s), ${escapeHtml(format.seconds(view.total_s))} in total.</p>
<table class="pnb-summary"><thead><tr><th>cell</th><th>first line</th><th>time</th><th>share</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>Hottest lines of the notebook</h2>
<table class="pnb-summary"><thead><tr><th>where</th><th>code</th><th>time</th><th>share</th></tr></thead><tbody>
${hot}
</tbody></table>
${sections}
</body></html>
`;
}

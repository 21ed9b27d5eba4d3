/** Source: the cell and every function it reached, each line with its heat; library code collapsed. */
import { splitBar } from "../charts.js";
import { h } from "../dom.js";
import * as fmt from "../format.js";
import type { LineJSON, ProfileJSON } from "../types.js";

interface Group {
  title: string;
  library: boolean;
  lines: { no: number; code: string; stat: LineJSON | null }[];
}

function groups(profile: ProfileJSON): Group[] {
  const count = profile.cell.execution_count;
  const own = profile.lines.filter((l) => l.origin === "cell" && l.cell === count && !l.function);
  const byNo = new Map(own.map((l) => [l.line, l]));
  const cell: Group = {
    title: `In [${count ?? " "}]`,
    library: false,
    lines: profile.cell.source.split("\n").map((code, i) => ({ no: i + 1, code, stat: byNo.get(i + 1) ?? null })),
  };
  const rest = new Map<string, Group>();
  for (const l of profile.lines) {
    if (own.includes(l)) continue;
    const place = l.origin === "cell" ? l.file : fmt.shortPath(l.file);
    const key = `${l.file}\u0000${l.function ?? ""}`;
    let g = rest.get(key);
    if (!g) {
      g = { title: l.function ? `${l.function} — ${place}` : place, library: l.origin === "file" && fmt.isLibrary(l.file), lines: [] };
      rest.set(key, g);
    }
    g.lines.push({ no: l.line, code: l.code, stat: l });
  }
  const others = [...rest.values()];
  const heat = (g: Group): number => Math.max(0, ...g.lines.map((x) => x.stat?.time_s ?? 0));
  for (const g of others) g.lines.sort((a, b) => a.no - b.no);
  others.sort((a, b) => Number(a.library) - Number(b.library) || heat(b) - heat(a));
  return [cell, ...others];
}

export function source(profile: ProfileJSON, focus: (line: LineJSON) => void): HTMLElement {
  const total = profile.timing.wall_s || 1;
  const hasHits = profile.lines.some((l) => l.hits !== null && l.hits !== undefined);
  const hasAlloc = profile.lines.some((l) => l.alloc_bytes !== null && l.alloc_bytes !== undefined);
  const el = h("div", { class: "pnb-source" });
  el.appendChild(h("div", { class: "pnb-muted" }, "Time per line (including what it calls), split into Python and native. Click a line to find it in the flame graph."));
  const table = (g: Group): HTMLElement => {
    const rows = g.lines.map(({ no, code, stat }) => {
      const heat = stat ? Math.min(1, stat.time_s / total) : 0;
      const row = h("tr", { class: "pnb-src-line" },
        h("td", { class: "pnb-lineno" }, String(no)),
        h("td", { class: "pnb-num" }, stat ? fmt.seconds(stat.time_s) : ""),
        h("td", null, stat ? splitBar(stat.time_s, stat.native_s, total, 80) : null),
        hasHits ? h("td", { class: "pnb-num" }, stat?.hits != null ? stat.hits.toLocaleString("en-US") : "") : null,
        hasAlloc ? h("td", { class: "pnb-num" }, stat?.alloc_bytes != null ? fmt.size(stat.alloc_bytes) : "") : null,
        h("td", { class: "pnb-code" }, h("code", { class: "pnb-clip", title: code }, code)));
      row.style.setProperty("--pnb-heat", heat.toFixed(3));
      if (stat) {
        row.classList.add("pnb-clickable", "pnb-hot");
        row.tabIndex = 0;
        row.addEventListener("click", () => focus(stat));
        row.addEventListener("keydown", (ev) => { if (ev.key === "Enter") focus(stat); });
      }
      return row;
    });
    const head = h("tr", null, h("th", { class: "pnb-w-no" }, "#"), h("th", { class: "pnb-w-num" }, "time"), h("th", { class: "pnb-w-bar" }, "Python | native"),
      hasHits ? h("th", { class: "pnb-w-num" }, "hits") : null, hasAlloc ? h("th", { class: "pnb-w-num" }, "memory") : null, h("th", null, "code"));
    return h("table", { class: "pnb-table pnb-src" }, h("thead", null, head), h("tbody", null, ...rows));
  };
  for (const g of groups(profile)) {
    const details = h("details", { class: "pnb-group", open: !g.library }, h("summary", null, g.title, g.library ? h("span", { class: "pnb-muted" }, " (library)") : null));
    if (g.library) {
      // collapsed library code: its table is built when first opened
      details.addEventListener("toggle", () => { if (details.open && details.childElementCount === 1) details.appendChild(table(g)); });
    } else {
      details.appendChild(table(g));
    }
    el.appendChild(details);
  }
  return el;
}

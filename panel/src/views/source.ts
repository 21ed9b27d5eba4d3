/**
 * Source: the cell and every function it reached, each line with its heat; library code collapsed.
 *
 * A profile can reach thousands of functions, and laying out every one of them made switching
 * to this view slow. So the functions come in batches: the first batch is built with the view,
 * the next when the "more" button below it scrolls into sight (or is clicked); a collapsed
 * library function builds its table when first opened.
 */
import { splitBar } from "../charts.js";
import { h } from "../dom.js";
import * as fmt from "../format.js";
import type { LineJSON, ProfileJSON } from "../types.js";

/** Functions (groups) built at a time. */
const BATCH = 20;

interface Group {
  title: string;
  library: boolean;
  lines: { no: number; code: string; stat: LineJSON | null }[];
}

function groups(profile: ProfileJSON): Group[] {
  const count = profile.cell.execution_count;
  const own = new Set(profile.lines.filter((l) => l.origin === "cell" && l.cell === count && !l.function));
  const byNo = new Map([...own].map((l) => [l.line, l]));
  const cell: Group = {
    title: `In [${count ?? " "}]`,
    library: false,
    lines: profile.cell.source.split("\n").map((code, i) => ({ no: i + 1, code, stat: byNo.get(i + 1) ?? null })),
  };
  const rest = new Map<string, Group>();
  const heat = new Map<Group, number>();
  for (const l of profile.lines) {
    if (own.has(l)) continue;
    const key = `${l.file}\u0000${l.function ?? ""}`;
    let g = rest.get(key);
    if (!g) {
      const place = l.origin === "cell" ? l.file : fmt.shortPath(l.file);
      g = { title: l.function ? `${l.function} — ${place}` : place, library: l.origin === "file" && fmt.isLibrary(l.file), lines: [] };
      rest.set(key, g);
    }
    g.lines.push({ no: l.line, code: l.code, stat: l });
    heat.set(g, Math.max(heat.get(g) ?? 0, l.time_s));
  }
  const others = [...rest.values()];
  for (const g of others) g.lines.sort((a, b) => a.no - b.no);
  others.sort((a, b) => Number(a.library) - Number(b.library) || heat.get(b)! - heat.get(a)!);
  return [cell, ...others];
}

interface Columns {
  total: number;
  hits: boolean;
  alloc: boolean;
}

function table(g: Group, cols: Columns, focus: (line: LineJSON) => void): HTMLElement {
  const body = h("tbody");
  g.lines.forEach(({ no, code, stat }, i) => {
    const row = h("tr", { class: "pnb-src-line", "data-i": i },
      h("td", { class: "pnb-lineno" }, String(no)),
      h("td", { class: "pnb-num" }, stat ? fmt.seconds(stat.time_s) : ""),
      h("td", null, stat ? splitBar(stat.time_s, stat.native_s, cols.total, 80) : null),
      cols.hits ? h("td", { class: "pnb-num" }, stat?.hits != null ? stat.hits.toLocaleString("en-US") : "") : null,
      cols.alloc ? h("td", { class: "pnb-num" }, stat?.alloc_bytes != null ? fmt.size(stat.alloc_bytes) : "") : null,
      h("td", { class: "pnb-code" }, h("code", { class: "pnb-clip", title: code }, code)));
    if (stat) {
      row.style.setProperty("--pnb-heat", Math.min(1, stat.time_s / cols.total).toFixed(3));
      row.classList.add("pnb-clickable", "pnb-hot");
      row.tabIndex = 0;
    }
    body.appendChild(row);
  });
  // one listener per table, not two per line
  const lineOf = (ev: Event): LineJSON | null => {
    const row = (ev.target as Element).closest("tr.pnb-hot");
    return row ? g.lines[Number(row.getAttribute("data-i"))].stat : null;
  };
  body.addEventListener("click", (ev) => { const stat = lineOf(ev); if (stat) focus(stat); });
  body.addEventListener("keydown", (ev) => { const stat = ev.key === "Enter" ? lineOf(ev) : null; if (stat) focus(stat); });
  const head = h("tr", null, h("th", { class: "pnb-w-no" }, "#"), h("th", { class: "pnb-w-num" }, "time"), h("th", { class: "pnb-w-bar" }, "Python | native"),
    cols.hits ? h("th", { class: "pnb-w-num" }, "hits") : null, cols.alloc ? h("th", { class: "pnb-w-num" }, "memory") : null, h("th", null, "code"));
  return h("table", { class: "pnb-table pnb-src" }, h("thead", null, head), body);
}

function groupElement(g: Group, cols: Columns, focus: (line: LineJSON) => void): HTMLElement {
  const details = h("details", { class: "pnb-group", open: !g.library }, h("summary", null, g.title, g.library ? h("span", { class: "pnb-muted" }, " (library)") : null));
  if (g.library) {
    // collapsed library code: its table is built when first opened
    details.addEventListener("toggle", () => { if (details.open && details.childElementCount === 1) details.appendChild(table(g, cols, focus)); });
  } else {
    details.appendChild(table(g, cols, focus));
  }
  return details;
}

export function source(profile: ProfileJSON, focus: (line: LineJSON) => void): HTMLElement {
  const cols: Columns = {
    total: profile.timing.wall_s || 1,
    hits: profile.lines.some((l) => l.hits !== null && l.hits !== undefined),
    alloc: profile.lines.some((l) => l.alloc_bytes !== null && l.alloc_bytes !== undefined),
  };
  const all = groups(profile);
  const more = h("button", { type: "button", class: "pnb-btn pnb-more" });
  const el = h("div", { class: "pnb-source" },
    h("div", { class: "pnb-muted" }, "Time per line (including what it calls), split into Python and native. Click a line to find it in the flame graph."),
    more);
  let shown = 0;
  let observer: IntersectionObserver | null = null;
  const addBatch = (): void => {
    const batch = document.createDocumentFragment();
    for (const g of all.slice(shown, shown + BATCH)) batch.appendChild(groupElement(g, cols, focus));
    shown = Math.min(all.length, shown + BATCH);
    el.insertBefore(batch, more);
    const left = all.length - shown;
    more.hidden = left === 0;
    more.textContent = `show ${Math.min(BATCH, left)} more of ${left} functions`;
    if (!left) observer?.disconnect();
  };
  more.addEventListener("click", addBatch);
  addBatch();
  if (shown < all.length && typeof IntersectionObserver !== "undefined") {
    observer = new IntersectionObserver((entries) => {
      if (!entries.some((e) => e.isIntersecting)) return;
      addBatch();
      if (observer && shown < all.length) {
        // observing anew reports the button's state again: still in sight → the next batch
        observer.unobserve(more);
        observer.observe(more);
      }
    }, { rootMargin: "300px 0px" });
    observer.observe(more);
  }
  return el;
}

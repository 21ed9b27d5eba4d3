/**
 * The "Performance" sidebar: every profiled cell of the active notebook with its
 * time, share and trend; the notebook's hottest lines; the top suggestions;
 * run comparison; the always-on toggle; export as one HTML report.
 * Everything from the notebook is put in the DOM as text.
 */
import type { ICodeCellModel } from "@jupyterlab/cells";
import { type INotebookTracker, NotebookActions, type NotebookPanel } from "@jupyterlab/notebook";
import type { Contents } from "@jupyterlab/services";
import { Signal } from "@lumino/signaling";
import { Widget } from "@lumino/widgets";
import { el, sparkline } from "./dom";
import { readCells, recordRun, revealLine } from "./cells";
import { buildView, type CellEntry, compareRuns, hottestCellLine, type NotebookView, type RunSummary } from "./model";
import { format } from "@perfnb/views";

import { notebookReport } from "./report";
import { AlwaysOn } from "./alwayson";

export interface SidebarOptions {
  tracker: INotebookTracker;
  contents: Contents.IManager;
  /** open a profile in a main-area tab (the shared panel) */
  openDetails: (entry: CellEntry, panel: NotebookPanel) => void;
}

function percent(share: number): string {
  return `${(share * 100).toFixed(0)}%`;
}

function trendText(entry: CellEntry): string {
  if (entry.trend === "new") return entry.runs.length === 1 ? "first run" : "";
  if (entry.trend === "same") return "≈ previous run";
  const change = Math.abs(entry.ratio - 1) * 100;
  return entry.trend === "faster" ? `▼ ${change.toFixed(0)}% faster` : `▲ ${change.toFixed(0)}% slower`;
}

function runLabel(run: RunSummary, i: number): string {
  const when = run.started_at ? ` · ${run.started_at.replace("T", " ").replace(/\+00:00$/, " UTC")}` : "";
  return `#${i + 1} In [${run.execution_count ?? " "}] · ${format.seconds(run.wall_s)}${when}`;
}

export class PerformanceSidebar extends Widget {
  private panel: NotebookPanel | null = null;
  private view: NotebookView | null = null;
  private timer = 0;
  private readonly expanded = new Set<string>();
  private readonly alwaysOn = new AlwaysOn();
  private readonly header: HTMLElement;
  private readonly toggle: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly body: HTMLElement;

  constructor(private readonly options: SidebarOptions) {
    super();
    this.id = "perfnb-sidebar";
    this.addClass("perfnb-sidebar");
    this.title.caption = "Performance (perfnb)";
    this.toggle = el("button", { type: "button", class: "perfnb-toggle", "aria-pressed": "false", title: "Profile every cell of this notebook (%perf on / %perf off)" }, "Always on: off");
    this.toggle.addEventListener("click", () => void this.onToggle());
    const exportButton = el("button", { type: "button", class: "perfnb-export", title: "Write every profile of this notebook into one HTML file next to it" }, "Export HTML");
    exportButton.addEventListener("click", () => void this.onExport());
    this.header = el("div", { class: "perfnb-header" }, el("h2", {}, "Performance"), el("div", { class: "perfnb-actions" }, this.toggle, exportButton));
    this.status = el("div", { class: "perfnb-status", role: "status" });
    this.body = el("div", { class: "perfnb-body" });
    this.node.append(this.header, this.status, this.body);

    options.tracker.currentChanged.connect((_, panel) => this.track(panel), this);
    NotebookActions.executed.connect((_, args) => {
      // every notebook keeps its history, whether or not the sidebar shows it now
      if (args.cell.model.type === "code") recordRun(args.cell.model as ICodeCellModel);
      const panel = options.tracker.find((p) => p.content === args.notebook);
      const state = AlwaysOn.fromSource(args.cell.model.sharedModel.getSource());
      if (panel && state !== null && args.success) this.alwaysOn.set(panel, state);
      if (args.notebook === this.panel?.content) this.schedule();
    }, this);
    this.alwaysOn.changed.connect(() => this.renderToggle(), this);
    this.track(options.tracker.currentWidget);
  }

  private track(panel: NotebookPanel | null): void {
    if (panel === this.panel) return;
    this.panel?.model?.contentChanged.disconnect(this.schedule, this);
    this.panel = panel;
    panel?.model?.contentChanged.connect(this.schedule, this);
    if (panel && !panel.model) void panel.context.ready.then(() => {
      if (this.panel === panel) {
        panel.model?.contentChanged.connect(this.schedule, this);
        this.refresh();
      }
    });
    if (panel) this.alwaysOn.watch(panel);
    this.refresh();
  }

  private schedule(): void {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.refresh(), 150);
  }

  /** Re-read the notebook and redraw. */
  refresh(): void {
    window.clearTimeout(this.timer);
    this.renderToggle();
    const panel = this.panel;
    this.body.replaceChildren();
    if (!panel || !panel.model) {
      this.view = null;
      this.body.appendChild(el("p", { class: "perfnb-empty" }, "Open a notebook to see its profiles."));
      return;
    }
    const view = buildView(readCells(panel));
    this.view = view;
    if (!view.cells.length) {
      this.body.appendChild(el("p", { class: "perfnb-empty" }, "No profiled cells yet. Put %%perf above a cell, or turn on Always on."));
      return;
    }
    this.body.append(
      el("div", { class: "perfnb-total" }, `${view.cells.length} profiled cell${view.cells.length === 1 ? "" : "s"} · ${format.seconds(view.total_s)} in total`),
      this.cellList(view),
      this.hotLines(view),
      this.suggestions(view),
    );
  }

  private cellList(view: NotebookView): HTMLElement {
    const list = el("ol", { class: "perfnb-cells", "aria-label": "Profiled cells" });
    for (const entry of view.cells) list.appendChild(this.cellEntry(entry));
    return el("section", {}, el("h3", {}, "Cells"), list);
  }

  private cellEntry(entry: CellEntry): HTMLElement {
    const key = entry.id || String(entry.index);
    const jump = el(
      "button",
      { type: "button", class: "perfnb-cell-jump", title: "Go to this cell and its hottest line" },
      el("span", { class: "perfnb-cell-label" }, entry.label),
      el("span", { class: "perfnb-cell-title" }, entry.title),
      el("span", { class: "perfnb-cell-time" }, format.seconds(entry.wall_s)),
    );
    jump.addEventListener("click", () => this.reveal(entry.index, hottestCellLine(entry.profile)));
    const bar = el("div", { class: "perfnb-share", title: `${percent(entry.share)} of the notebook's profiled time` }, el("div", { class: "perfnb-share-fill", style: `width:${(entry.share * 100).toFixed(1)}%` }));
    const trend = el("div", { class: `perfnb-trend perfnb-trend-${entry.trend}` }, entry.runs.length > 1 ? sparkline(entry.runs.map((r) => r.wall_s)) : null, el("span", { class: "perfnb-share-text" }, percent(entry.share)), " ", trendText(entry));
    const more = el("button", { type: "button", class: "perfnb-more", "aria-expanded": String(this.expanded.has(key)) }, `Runs (${entry.runs.length})`);
    const details = el("button", { type: "button", class: "perfnb-details" }, "Details");
    details.addEventListener("click", () => this.panel && this.options.openDetails(entry, this.panel));
    const item = el("li", { class: "perfnb-cell", "data-index": entry.index, "data-cell-id": entry.id }, jump, bar, trend, el("div", { class: "perfnb-cell-actions" }, more, details));
    let runs: HTMLElement | null = null;
    const show = (): void => {
      runs = this.runsView(entry);
      item.appendChild(runs);
    };
    more.addEventListener("click", () => {
      if (runs) {
        runs.remove();
        runs = null;
        this.expanded.delete(key);
      } else {
        show();
        this.expanded.add(key);
      }
      more.setAttribute("aria-expanded", String(runs !== null));
    });
    if (this.expanded.has(key)) show();
    return item;
  }

  /** The history of one cell and a comparison of two of its runs. */
  private runsView(entry: CellEntry): HTMLElement {
    const box = el("div", { class: "perfnb-runs" });
    const list = el("ol", { class: "perfnb-run-list" });
    entry.runs.forEach((run, i) => list.appendChild(el("li", {}, runLabel(run, i))));
    box.appendChild(list);
    if (entry.runs.length < 2) {
      box.appendChild(el("p", { class: "perfnb-hint" }, "Run the cell again to compare runs."));
      return box;
    }
    const pick = (name: string, selected: number): HTMLSelectElement => {
      const select = el("select", { class: `perfnb-compare-${name}`, "aria-label": `Run ${name.toUpperCase()}` });
      entry.runs.forEach((run, i) => select.appendChild(el("option", { value: i, selected: i === selected }, runLabel(run, i))));
      return select;
    };
    const a = pick("a", entry.runs.length - 2);
    const b = pick("b", entry.runs.length - 1);
    const out = el("div", { class: "perfnb-compare" });
    const render = (): void => out.replaceChildren(this.comparison(entry.runs[Number(a.value)], entry.runs[Number(b.value)]));
    a.addEventListener("change", render);
    b.addEventListener("change", render);
    render();
    box.append(el("div", { class: "perfnb-compare-pick" }, el("label", {}, "A ", a), el("label", {}, "B ", b)), out);
    return box;
  }

  private comparison(a: RunSummary, b: RunSummary): HTMLElement {
    const c = compareRuns(a, b);
    const verdict = c.ratio < 1 ? `B is ${(1 / Math.max(c.ratio, 1e-9)).toFixed(2)}× faster` : c.ratio > 1 ? `B is ${c.ratio.toFixed(2)}× slower` : "same time";
    const table = el("table", { class: "perfnb-compare-table" }, el("thead", {}, el("tr", {}, el("th", {}, "line"), el("th", {}, "A"), el("th", {}, "B"), el("th", {}, "Δ"))));
    const body = el("tbody");
    body.appendChild(el("tr", { class: "perfnb-compare-total" }, el("td", {}, "wall"), el("td", {}, format.seconds(a.wall_s)), el("td", {}, format.seconds(b.wall_s)), el("td", {}, format.seconds(c.delta_s))));
    for (const line of c.lines) {
      body.appendChild(el("tr", {}, el("td", { title: line.code }, line.where, " ", el("code", {}, line.code.trim())), el("td", {}, format.seconds(line.a_s)), el("td", {}, format.seconds(line.b_s)), el("td", {}, format.seconds(line.delta_s))));
    }
    table.appendChild(body);
    return el("div", {}, el("p", { class: "perfnb-verdict" }, `${verdict} (${format.seconds(a.wall_s)} → ${format.seconds(b.wall_s)})`), table);
  }

  private hotLines(view: NotebookView): HTMLElement {
    const list = el("ol", { class: "perfnb-hot", "aria-label": "Hottest lines of the notebook" });
    for (const line of view.hotLines) {
      const item = el(
        "li",
        { class: "perfnb-hot-line" },
        el("span", { class: "perfnb-hot-where" }, line.where),
        el("span", { class: "perfnb-hot-time" }, `${format.seconds(line.time_s)} · ${percent(line.share)}`),
        el("code", { class: "perfnb-hot-code" }, line.code.trim()),
      );
      if (line.cellIndex !== null) {
        const index = line.cellIndex;
        item.classList.add("perfnb-clickable");
        item.tabIndex = 0;
        item.setAttribute("role", "button");
        const go = (): void => this.reveal(index, line.line);
        item.addEventListener("click", go);
        item.addEventListener("keydown", (ev) => {
          if (ev.key === "Enter" || ev.key === " ") {
            ev.preventDefault();
            go();
          }
        });
      }
      list.appendChild(item);
    }
    return el("section", {}, el("h3", {}, "Hottest lines"), list);
  }

  private suggestions(view: NotebookView): HTMLElement {
    const section = el("section", {}, el("h3", {}, "Top suggestions"));
    if (!view.suggestions.length) {
      section.appendChild(el("p", { class: "perfnb-hint" }, "No suggestions for the profiled cells."));
      return section;
    }
    const list = el("ol", { class: "perfnb-suggestions" });
    for (const { suggestion, cellIndex, label } of view.suggestions) {
      const go = el("button", { type: "button", class: "perfnb-suggestion-go" }, `${label}${suggestion.lines.length ? ` line ${suggestion.lines[0]}` : ""}`);
      go.addEventListener("click", () => this.reveal(cellIndex, suggestion.lines[0] ?? null));
      list.appendChild(
        el(
          "li",
          { class: "perfnb-suggestion" },
          el("div", { class: "perfnb-suggestion-title" }, suggestion.title),
          el("div", { class: "perfnb-suggestion-meta" }, `${suggestion.category} · ${suggestion.level}${suggestion.speedup ? ` · ${suggestion.speedup}` : ""} · `, go),
          el("div", { class: "perfnb-suggestion-evidence" }, suggestion.evidence),
        ),
      );
    }
    section.appendChild(list);
    return section;
  }

  private reveal(index: number, line: number | null): void {
    if (this.panel) void revealLine(this.panel, index, line);
  }

  private renderToggle(): void {
    const on = this.panel ? this.alwaysOn.get(this.panel) : false;
    this.toggle.setAttribute("aria-pressed", String(on));
    this.toggle.textContent = `Always on: ${on ? "on" : "off"}`;
    this.toggle.disabled = this.panel === null;
  }

  private async onToggle(): Promise<void> {
    const panel = this.panel;
    if (!panel) return;
    const want = !this.alwaysOn.get(panel);
    this.status.textContent = want ? "Turning always-on profiling on…" : "Turning always-on profiling off…";
    try {
      await this.alwaysOn.request(panel, want);
      this.status.textContent = want ? "Every cell of this notebook is profiled now." : "Always-on profiling is off.";
    } catch (err) {
      this.status.textContent = `Could not switch: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  private async onExport(): Promise<void> {
    const panel = this.panel;
    if (!panel) return;
    this.refresh();
    const view = this.view;
    if (!view || !view.cells.length) {
      this.status.textContent = "Nothing to export: no profiled cells.";
      return;
    }
    const nbPath = panel.context.path;
    const base = nbPath.replace(/\.ipynb$/, "");
    const name = base.split("/").pop() ?? base;
    const path = `${base}.perfnb.html`;
    try {
      await this.options.contents.save(path, { type: "file", format: "text", content: notebookReport(name, view) });
      this.status.textContent = `Report written to ${path}`;
    } catch (err) {
      this.status.textContent = `Could not write ${path}: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  dispose(): void {
    if (this.isDisposed) return;
    window.clearTimeout(this.timer);
    this.alwaysOn.dispose();
    Signal.clearData(this);
    super.dispose();
  }
}

/** The flame graph view: d3-flame-graph with breadcrumbs, search, tooltips, Python/native colours, flame/icicle. */
import flamegraph from "d3-flame-graph";
import { select } from "d3-selection";
import { clear, h } from "../dom.js";
import * as fmt from "../format.js";
import type { DiffNodeJSON, TreeNodeJSON } from "../types.js";
import { type CallNode, type FrameData, heaviestPath, searchTree, visibleFrames } from "./flametree.js";

interface FrameNode {
  data: FrameData;
  parent: FrameNode | null;
  children?: FrameNode[];
  value: number;
  /** the total change (d3-flame-graph sums the frames' own), in a differential graph */
  delta?: number;
}

type Chart = ReturnType<typeof flamegraph>; // untyped (see d3-flame-graph.d.ts)

/** Frames narrower than this (in pixels) are not drawn: they are merged into one frame per parent. */
const MIN_PX = 4;
/** The first drawing, at once, has the frames this wide; the narrower ones follow after it is painted. */
const FIRST_PX = 24;

const PY = [232, 116, 59];
const NATIVE = [59, 125, 232];

function mix(a: number[], b: number[], t: number, light: number): string {
  const c = a.map((v, i) => Math.round((v + (b[i] - v) * t) * (1 - light) + 255 * light));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** Python frames orange, native time blue (blended by the frame's native share); library code paler. */
function frameColor(d: FrameNode): string {
  const data = d.data;
  if (data.merged || data.name === "[other]") return "var(--pnb-other)";
  const t = data.value > 0 ? Math.min(1, data.native / data.value) : 0;
  return mix(PY, NATIVE, t, data.lib ? 0.45 : 0.1);
}

/** Differential: red where the new run is slower, blue where faster, grey unchanged. */
function diffColor(d: FrameNode): string {
  const t = Math.max(-1, Math.min(1, (d.delta ?? 0) / (d.value || 1)));
  if (Math.abs(t) < 0.02) return "rgb(200,200,200)";
  return t > 0 ? mix([230, 230, 230], [214, 39, 40], t, 0) : mix([230, 230, 230], [31, 119, 180], -t, 0);
}

export interface FlameOptions {
  diff?: boolean;
  /** total time the shares are relative to (default: root time) */
  total?: number;
}

/**
 * d3-flame-graph draws only the frames that can be seen (see flametree.ts); every zoom, search
 * and resize builds them again for the zoomed frame, so the view keeps the zoom path itself.
 */
export class FlameView {
  readonly el: HTMLElement;
  private chart: Chart | null = null;
  private readonly graph: HTMLElement;
  private readonly crumbs: HTMLElement;
  private readonly tip: HTMLElement;
  private readonly details: HTMLElement;
  private readonly search: HTMLInputElement;
  private readonly orient: HTMLButtonElement;
  private readonly library = new Map<string, boolean>(); // a tree has many nodes but few files
  private readonly isLibrary = (file: string): boolean => {
    let lib = this.library.get(file);
    if (lib === undefined) this.library.set(file, (lib = fmt.isLibrary(file)));
    return lib;
  };
  /** the zoom: from the root to the zoomed node */
  private path: CallNode[];
  private marks = new Set<FrameData>();
  private focused: FrameNode | null = null;
  private inverted = true; // icicle: the root at the top, next to the toolbar
  private width = 0;
  /** the frames are drawn down to FIRST_PX only, the rest to follow */
  private coarse = false;

  constructor(private readonly tree: TreeNodeJSON | DiffNodeJSON | null, private readonly options: FlameOptions = {}) {
    this.path = tree ? [tree] : [];
    this.search = h("input", { type: "search", class: "pnb-search", placeholder: "search functions", "aria-label": "search functions" });
    this.orient = h("button", { type: "button", class: "pnb-btn", title: "flame (root at the bottom) or icicle (root at the top)" }, "flame");
    const reset = h("button", { type: "button", class: "pnb-btn" }, "reset zoom");
    this.crumbs = h("nav", { class: "pnb-crumbs", "aria-label": "zoom path" });
    this.details = h("div", { class: "pnb-details", "aria-live": "polite" });
    this.graph = h("div", { class: "pnb-graph", tabindex: 0, "aria-label": "flame graph: click a frame to zoom, Escape to zoom out", "aria-busy": tree ? "true" : null });
    this.tip = h("div", { class: "pnb-tip", role: "tooltip", hidden: true });
    const legend = options.diff
      ? h("span", { class: "pnb-legend" }, h("i", { class: "pnb-sw pnb-sw-slower" }), "slower", h("i", { class: "pnb-sw pnb-sw-faster" }), "faster")
      : h("span", { class: "pnb-legend" }, h("i", { class: "pnb-sw pnb-sw-py" }), "Python", h("i", { class: "pnb-sw pnb-sw-native" }), "native", h("i", { class: "pnb-sw pnb-sw-lib" }), "library");
    const bar = h("div", { class: "pnb-toolbar" }, this.search, this.orient, reset, legend);
    this.el = h("div", { class: "pnb-flame" }, bar, this.crumbs, this.graph, this.details, this.tip);
    this.search.addEventListener("input", () => this.draw(this.path));
    this.orient.addEventListener("click", () => this.setInverted(!this.inverted));
    reset.addEventListener("click", () => this.zoomTo(null));
    // zooming builds the frames again at the new scale: d3-flame-graph's own zoom (on the frame's
    // click listener) would first lay out the old ones, so the click stops here
    this.graph.addEventListener("click", (ev) => {
      const frame = ev.target instanceof Element ? ev.target.closest("g.frame") : null;
      if (!frame) return;
      ev.stopPropagation();
      this.zoomTo(select<Element, FrameNode>(frame).datum());
    }, true);
    this.graph.addEventListener("keydown", (ev) => {
      if ((ev.key === "Escape" || ev.key === "Backspace") && this.focused?.parent) {
        this.zoomTo(this.focused.parent);
        ev.preventDefault();
      } else if (ev.key === "/") {
        this.search.focus();
        ev.preventDefault();
      }
    });
    this.graph.appendChild(h("p", { class: "pnb-empty" }, tree ? "Drawing the flame graph…" : "No call tree was recorded for this cell."));
  }

  /** Whether the graph has been drawn (the first `render`), or there is none to draw. */
  get drawn(): boolean {
    return this.chart !== null || !this.tree;
  }

  /** Draw (first time) at the given width; later calls only redraw when the width changed. */
  render(width: number): void {
    if (!this.tree) return;
    const w = Math.max(300, Math.floor(width));
    if (this.chart && Math.abs(w - this.width) < 2) return;
    this.width = w;
    if (this.chart) {
      this.chart.width(w);
      this.draw(this.path);
      return;
    }
    this.chart = this.newChart().width(w);
    clear(this.graph);
    this.draw(this.path, FIRST_PX);
    // after the next paint (unless a zoom or search has drawn every frame by then)
    requestAnimationFrame(() => setTimeout(() => {
      if (this.coarse && this.el.isConnected) this.draw(this.path);
    }));
  }

  private newChart(): Chart {
    const color = this.options.diff ? diffColor : frameColor;
    const chart = flamegraph()
      .cellHeight(18)
      .transitionDuration(0) // every zoom draws new frames: there is nothing to move
      .inverted(this.inverted)
      .resetHeightOnZoom(true)
      .selfValue(false)
      .sort(false)
      .computeDelta(!!this.options.diff)
      .getName((d: FrameNode) => d.data.name)
      .setColorMapper((d: FrameNode) => (this.marks.has(d.data) ? "var(--pnb-highlight)" : color(d)))
      .setDetailsHandler(() => undefined);
    chart.tooltip(this.tooltip());
    return chart;
  }

  /** Draw the frames (at least `minPx` wide) when zoomed to the end of `path`, the search's matches highlighted. */
  private draw(path: CallNode[], minPx = MIN_PX): void {
    if (!this.chart || !this.tree || !path.length) return;
    this.path = path;
    this.coarse = minPx > MIN_PX;
    this.graph.setAttribute("aria-busy", String(this.coarse));
    this.tip.hidden = true;
    const frames = visibleFrames(path, this.width, minPx, this.isLibrary, !!this.options.diff);
    const term = this.search.value.trim();
    const found = term ? searchTree(this.tree, term, frames.shown) : null;
    this.marks = found?.marks ?? new Set();
    this.details.textContent = found
      ? `${found.count} frames match “${this.search.value}”: ${fmt.percent(found.time, this.total())} of the time`
      : "";
    select(this.graph).datum(frames.root).call(this.chart);
    // d3-flame-graph grows new frames from zero width over 250 ms: give them their width at once
    for (const g of this.graph.querySelectorAll("g.frame")) g.firstElementChild?.setAttribute("width", g.getAttribute("width") ?? "0");
    let focus = select(this.graph).datum() as unknown as FrameNode;
    while (focus.data.fade) focus = focus.children![0];
    this.focusChanged(focus);
  }

  private total(): number {
    return this.options.total || this.tree?.time_s || 1;
  }

  /** A tooltip object in the shape d3-flame-graph expects; its text is set with textContent only. */
  private tooltip(): unknown {
    const tip = this.tip;
    const fn = (): void => undefined;
    fn.show = (event: MouseEvent, d: FrameNode): void => {
      const data = d.data;
      const lines = [data.name, data.file ? `${fmt.shortPath(data.file)}${data.line ? ":" + data.line : ""}` : ""];
      lines.push(`${fmt.seconds(data.value)} · ${fmt.percent(data.value, this.total())} of the time`);
      if (!this.options.diff && data.value > 0) lines.push(`native ${fmt.percent(data.native, data.value)} · Python ${fmt.percent(data.value - data.native, data.value)}`);
      if (this.options.diff && typeof d.delta === "number") lines.push(`change ${d.delta >= 0 ? "+" : ""}${fmt.seconds(d.delta)}`);
      if (data.merged) lines.push("too narrow to draw one by one: click to zoom in");
      tip.textContent = lines.filter(Boolean).join("\n");
      const box = this.el.getBoundingClientRect();
      tip.style.left = `${Math.min(event.clientX - box.left + 12, box.width - 260)}px`;
      tip.style.top = `${event.clientY - box.top + 14}px`;
      tip.hidden = false;
    };
    fn.hide = (): void => {
      tip.hidden = true;
    };
    return fn;
  }

  private focusChanged(d: FrameNode): void {
    this.focused = d;
    clear(this.crumbs);
    const path: FrameNode[] = [];
    for (let n: FrameNode | null = d; n; n = n.parent) path.unshift(n);
    path.forEach((n, i) => {
      if (i) this.crumbs.appendChild(document.createTextNode(" › "));
      const b = h("button", { type: "button", class: "pnb-crumb", "aria-current": n === d ? "true" : null }, n.data.name);
      b.addEventListener("click", () => this.zoomTo(n));
      this.crumbs.appendChild(b);
    });
  }

  /** Zoom to a drawn frame (null: the root). */
  zoomTo(d: FrameNode | null): void {
    const path: CallNode[] = [];
    for (let n = d; n; n = n.parent) path.unshift(n.data.node);
    this.draw(d ? path : this.path.slice(0, 1));
  }

  /** Zoom to the heaviest frame of `name` (in `file` when given) and highlight every frame of it. */
  focusFunction(name: string, file?: string): boolean {
    const path = this.tree && heaviestPath(this.tree, name, file);
    if (!path) return false;
    this.search.value = name;
    this.draw(path);
    return true;
  }

  setInverted(inverted: boolean): void {
    this.inverted = inverted;
    this.orient.textContent = inverted ? "flame" : "icicle";
    if (this.chart) {
      this.chart.inverted(inverted);
      this.chart.update();
    }
  }

  dispose(): void {
    if (this.chart) this.chart.destroy();
    this.el.remove();
  }
}

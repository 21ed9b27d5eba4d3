/** The flame graph view: d3-flame-graph with breadcrumbs, search, tooltips, Python/native colours, flame/icicle. */
import flamegraph from "d3-flame-graph";
import { select } from "d3-selection";
import { clear, h } from "../dom.js";
import * as fmt from "../format.js";
import type { DiffNodeJSON, TreeNodeJSON } from "../types.js";

/** The node data d3-flame-graph sees (d3's hierarchy wraps it as `.data`). */
interface FrameData {
  name: string;
  value: number;
  native: number;
  file: string;
  line: number;
  lib: boolean;
  delta?: number;
  base?: number;
  children: FrameData[];
  fade?: boolean;
  hide?: boolean;
}

interface FrameNode {
  data: FrameData;
  parent: FrameNode | null;
  children?: FrameNode[];
  value: number;
  depth: number;
  highlight?: boolean;
  id: number;
}

/** Iterative conversion (profile trees can be thousands deep). */
function toFrames(root: TreeNodeJSON | DiffNodeJSON, diff: boolean): FrameData {
  const library = new Map<string, boolean>(); // a tree has many nodes but few files
  const isLibrary = (file: string): boolean => {
    let lib = library.get(file);
    if (lib === undefined) library.set(file, (lib = fmt.isLibrary(file)));
    return lib;
  };
  const make = (n: TreeNodeJSON | DiffNodeJSON): FrameData => {
    const d: FrameData = {
      name: n.name,
      value: n.time_s,
      native: "native_s" in n && typeof n.native_s === "number" ? n.native_s : 0,
      file: n.file,
      line: n.line,
      lib: isLibrary(n.file),
      children: [],
    };
    if (diff && "delta_s" in n) {
      d.delta = n.delta_s;
      d.base = n.base_s;
      // d3-flame-graph reads the node's own delta: totals are summed by computeDelta
      d.delta = n.delta_s - n.children.reduce((a, c) => a + (c as DiffNodeJSON).delta_s, 0);
    }
    return d;
  };
  const top = make(root);
  const stack: [TreeNodeJSON | DiffNodeJSON, FrameData][] = [[root, top]];
  while (stack.length) {
    const [node, data] = stack.pop()!;
    for (const child of node.children as (TreeNodeJSON | DiffNodeJSON)[]) {
      const cd = make(child);
      data.children.push(cd);
      stack.push([child, cd]);
    }
  }
  return top;
}

const PY = [232, 116, 59];
const NATIVE = [59, 125, 232];

function mix(a: number[], b: number[], t: number, light: number): string {
  const c = a.map((v, i) => Math.round((v + (b[i] - v) * t) * (1 - light) + 255 * light));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** Python frames orange, native time blue (blended by the frame's native share); library code paler. */
function frameColor(d: FrameNode): string {
  if (d.highlight) return "var(--pnb-highlight)";
  const data = d.data;
  if (data.name === "[other]") return "var(--pnb-other)";
  const t = data.value > 0 ? Math.min(1, data.native / data.value) : 0;
  return mix(PY, NATIVE, t, data.lib ? 0.45 : 0.1);
}

/** Differential: red where the new run is slower, blue where faster, grey unchanged. */
function diffColor(d: FrameNode & { delta?: number }): string {
  if (d.highlight) return "var(--pnb-highlight)";
  const total = d.value || 1;
  const delta = (d as { delta?: number }).delta ?? 0;
  const t = Math.max(-1, Math.min(1, delta / total));
  if (Math.abs(t) < 0.02) return "rgb(200,200,200)";
  return t > 0 ? mix([230, 230, 230], [214, 39, 40], t, 0) : mix([230, 230, 230], [31, 119, 180], -t, 0);
}

export interface FlameOptions {
  diff?: boolean;
  /** total time the shares are relative to (default: root time) */
  total?: number;
}

export class FlameView {
  readonly el: HTMLElement;
  private chart: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  private readonly graph: HTMLElement;
  private readonly crumbs: HTMLElement;
  private readonly tip: HTMLElement;
  private readonly details: HTMLElement;
  private readonly search: HTMLInputElement;
  private readonly orient: HTMLButtonElement;
  private root: FrameNode | null = null;
  private focused: FrameNode | null = null;
  private inverted = true; // icicle: the root at the top, next to the toolbar
  private width = 0;
  private built = false;

  constructor(private readonly tree: TreeNodeJSON | DiffNodeJSON | null, private readonly options: FlameOptions = {}) {
    this.search = h("input", { type: "search", class: "pnb-search", placeholder: "search functions", "aria-label": "search functions" });
    this.orient = h("button", { type: "button", class: "pnb-btn", title: "flame (root at the bottom) or icicle (root at the top)" }, "flame");
    const reset = h("button", { type: "button", class: "pnb-btn" }, "reset zoom");
    this.crumbs = h("nav", { class: "pnb-crumbs", "aria-label": "zoom path" });
    this.details = h("div", { class: "pnb-details", "aria-live": "polite" });
    this.graph = h("div", { class: "pnb-graph", tabindex: 0, "aria-label": "flame graph: click a frame to zoom, Escape to zoom out" });
    this.tip = h("div", { class: "pnb-tip", role: "tooltip", hidden: true });
    const legend = options.diff
      ? h("span", { class: "pnb-legend" }, h("i", { class: "pnb-sw pnb-sw-slower" }), "slower", h("i", { class: "pnb-sw pnb-sw-faster" }), "faster")
      : h("span", { class: "pnb-legend" }, h("i", { class: "pnb-sw pnb-sw-py" }), "Python", h("i", { class: "pnb-sw pnb-sw-native" }), "native", h("i", { class: "pnb-sw pnb-sw-lib" }), "library");
    const bar = h("div", { class: "pnb-toolbar" }, this.search, this.orient, reset, legend);
    this.el = h("div", { class: "pnb-flame" }, bar, this.crumbs, this.graph, this.details, this.tip);
    this.search.addEventListener("input", () => this.applySearch());
    this.orient.addEventListener("click", () => this.setInverted(!this.inverted));
    reset.addEventListener("click", () => this.zoomTo(null));
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
    return this.built || !this.tree;
  }

  /** Draw (first time) at the given width; later calls only redraw when the width changed. */
  render(width: number): void {
    if (!this.tree) return;
    const w = Math.max(300, Math.floor(width));
    if (this.built && Math.abs(w - this.width) < 2) return;
    this.width = w;
    if (this.built) {
      this.chart.width(w);
      this.chart.update();
      return;
    }
    this.built = true;
    const diff = !!this.options.diff;
    const chart = flamegraph()
      .width(w)
      .cellHeight(18)
      .minFrameSize(4) // frames under 4 px are not drawn (they stay in search and totals)
      .transitionDuration(250)
      .inverted(this.inverted)
      .resetHeightOnZoom(true)
      .selfValue(false)
      .sort(false)
      .computeDelta(diff)
      .getName((d: FrameNode) => d.data.name)
      .setSearchMatch((d: FrameNode, term: string) => !!term && d.data.name.toLowerCase().includes(term.toLowerCase()))
      .setColorMapper(diff ? diffColor : frameColor)
      .setDetailsHandler(() => undefined)
      .setSearchHandler((results: FrameNode[], sum: number, total: number) => {
        this.details.textContent = this.search.value
          ? `${results.length} frames match “${this.search.value}”: ${fmt.percent(sum, total)} of the time`
          : "";
      })
      .onClick((d: FrameNode) => this.focusChanged(d));
    chart.tooltip(this.tooltip());
    this.chart = chart;
    clear(this.graph);
    select(this.graph).datum(toFrames(this.tree, diff)).call(chart);
    this.root = (select(this.graph).datum() as unknown) as FrameNode;
    this.focusChanged(this.root);
  }

  /** A tooltip object in the shape d3-flame-graph expects; its text is set with textContent only. */
  private tooltip(): unknown {
    const tip = this.tip;
    const total = (): number => this.options.total || this.root?.data.value || 1;
    const fn = (): void => undefined;
    fn.show = (event: MouseEvent, d: FrameNode): void => {
      const data = d.data;
      const lines = [data.name, data.file ? `${fmt.shortPath(data.file)}${data.line ? ":" + data.line : ""}` : ""];
      lines.push(`${fmt.seconds(data.value)} · ${fmt.percent(data.value, total())} of the time`);
      if (!this.options.diff && data.value > 0) lines.push(`native ${fmt.percent(data.native, data.value)} · Python ${fmt.percent(data.value - data.native, data.value)}`);
      const delta = (d as FrameNode & { delta?: number }).delta;
      if (this.options.diff && typeof delta === "number") lines.push(`change ${delta >= 0 ? "+" : ""}${fmt.seconds(delta)}`);
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

  zoomTo(d: FrameNode | null): void {
    if (!this.chart || !this.root) return;
    if (!d || d === this.root) {
      this.chart.resetZoom();
      this.focusChanged(this.root);
    } else {
      this.chart.zoomTo(d); // calls onClick → focusChanged
    }
  }

  /** Zoom to the heaviest frame of `name` (in `file` when given) and highlight every frame of it. */
  focusFunction(name: string, file?: string): boolean {
    if (!this.root) return false;
    let best: FrameNode | null = null;
    const stack: FrameNode[] = [this.root];
    while (stack.length) {
      const n = stack.pop()!;
      if (n.data.name === name && (!file || n.data.file === file) && (!best || n.data.value > best.data.value)) best = n;
      if (n.children) stack.push(...n.children);
    }
    if (!best) return false;
    this.search.value = name;
    this.applySearch();
    this.zoomTo(best);
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

  private applySearch(): void {
    if (!this.chart) return;
    const term = this.search.value.trim();
    if (term) this.chart.search(term);
    else {
      this.chart.clear();
      this.details.textContent = "";
    }
  }

  dispose(): void {
    if (this.chart) this.chart.destroy();
    this.el.remove();
  }
}

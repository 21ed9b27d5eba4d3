/** The panel: a tab bar over lazily built views. */
import { clear, h } from "./dom.js";
import type { LineJSON, PanelHandle, PanelOptions, ProfileJSON, ViewName, VerifyState } from "./types.js";
import { AdviceView } from "./views/advice.js";
import { CompareView } from "./views/compare.js";
import { FlameView } from "./views/flame.js";
import { gpu } from "./views/gpu.js";
import { memory } from "./views/memory.js";
import { overview } from "./views/overview.js";
import { source } from "./views/source.js";

const LABELS: Record<ViewName, string> = {
  overview: "Overview", source: "Source", flame: "Flame graph", memory: "Memory", gpu: "GPU", advice: "Advice", compare: "Compare",
};

let panelCount = 0;

class Panel implements PanelHandle {
  private readonly root: HTMLElement;
  private readonly tabs: HTMLElement;
  private readonly body: HTMLElement;
  private readonly id = `pnb-${++panelCount}`;
  private profile!: ProfileJSON;
  private options: PanelOptions = {};
  private views = new Map<ViewName, HTMLElement>();
  private buttons = new Map<ViewName, HTMLButtonElement>();
  private flame: FlameView | null = null;
  private compare: CompareView | null = null;
  private advice: AdviceView | null = null;
  private current: ViewName = "overview";
  private idle = 0;

  constructor(private readonly host: HTMLElement, profile: ProfileJSON, options: PanelOptions = {}) {
    this.tabs = h("div", { class: "pnb-tabs", role: "tablist", "aria-label": "perfnb views" });
    this.body = h("div", { class: "pnb-body" });
    this.root = h("div", { class: "perfnb-panel" }, this.tabs, this.body);
    this.tabs.addEventListener("keydown", (ev) => this.onTabKey(ev));
    host.appendChild(this.root);
    this.update(profile, options);
  }

  update(profile: ProfileJSON, options?: PanelOptions): void {
    this.profile = profile;
    if (options) this.options = options;
    this.flame?.dispose();
    this.compare?.flame.dispose();
    this.flame = this.compare = this.advice = null;
    this.views.clear();
    this.buttons.clear();
    clear(this.body);
    clear(this.tabs);
    const count = profile.cell.execution_count;
    this.tabs.appendChild(h("span", { class: "pnb-title" }, "perfnb", h("span", { class: "pnb-muted" }, ` · In [${count ?? " "}]`)));
    for (const name of this.available()) {
      const b = h("button", { type: "button", role: "tab", id: `${this.id}-tab-${name}`, "aria-controls": `${this.id}-${name}`, "data-view": name, class: "pnb-tab" }, LABELS[name]);
      if (name === "advice" && profile.suggestions.length) b.appendChild(h("span", { class: "pnb-badge" }, String(profile.suggestions.length)));
      b.addEventListener("click", () => this.show(name));
      this.buttons.set(name, b);
      this.tabs.appendChild(b);
    }
    const first = this.options.view && this.buttons.has(this.options.view) ? this.options.view : this.buttons.has(this.current) ? this.current : "overview";
    this.show(first);
    this.prebuild();
  }

  private available(): ViewName[] {
    const names: ViewName[] = ["overview", "source", "flame", "memory"];
    if (this.profile.torch || this.profile.gpu) names.push("gpu");
    names.push("advice");
    if (this.options.comparison) names.push("compare");
    return names;
  }

  /**
   * Build the other views one by one while the browser is idle, so that switching to
   * one later only flips its visibility (no layout of a large DOM on the click).
   */
  private prebuild(): void {
    const w = window as Window & { requestIdleCallback?: (cb: () => void, o?: { timeout: number }) => number; cancelIdleCallback?: (id: number) => void };
    if (this.idle) (w.cancelIdleCallback ?? window.clearTimeout)(this.idle);
    const pending = [...this.buttons.keys()].filter((name) => !this.views.has(name));
    const next = (): void => {
      this.idle = 0;
      const name = pending.shift();
      if (!name || !this.root.isConnected) return;
      if (!this.views.has(name)) {
        this.view(name);
        this.draw(name);
      }
      schedule();
    };
    const schedule = (): void => {
      if (pending.length) this.idle = w.requestIdleCallback ? w.requestIdleCallback(next, { timeout: 2000 }) : window.setTimeout(next, 30);
    };
    schedule();
  }

  private width(): number {
    return this.body.clientWidth || this.host.clientWidth || 900;
  }

  private build(name: ViewName): HTMLElement {
    const focus = (line: LineJSON): void => this.focusLine(line);
    switch (name) {
      case "overview":
        return overview(this.profile, { focusLine: focus, openSuggestion: (s) => { this.show("advice"); this.advice?.focus(s.rule); } });
      case "source":
        return source(this.profile, focus);
      case "flame":
        this.flame = new FlameView(this.profile.tree, { total: this.profile.tree?.time_s });
        return this.flame.el;
      case "memory":
        return memory(this.profile);
      case "gpu":
        return gpu(this.profile);
      case "advice":
        this.advice = new AdviceView(this.profile, this.options);
        return this.advice.el;
      case "compare":
        this.compare = new CompareView(this.options.comparison!);
        return this.compare.el;
    }
  }

  private view(name: ViewName): HTMLElement {
    let el = this.views.get(name);
    if (!el) {
      el = h("div", { class: "pnb-view", role: "tabpanel", id: `${this.id}-${name}`, "aria-labelledby": `${this.id}-tab-${name}` });
      this.setCurrent(el, name === this.current);
      el.appendChild(this.build(name));
      this.views.set(name, el);
      this.body.appendChild(el);
    }
    return el;
  }

  /**
   * Draw a view's flame graph at the panel's width (a no-op when drawn at that width). With
   * `afterPaint`, one not drawn yet is drawn after the next paint: the switch shows the view at
   * once (saying it is drawing), and the long layout of a large tree follows.
   */
  private draw(name: ViewName, afterPaint = false): void {
    const flame = name === "flame" ? this.flame : name === "compare" ? this.compare?.flame : null;
    if (!flame) return;
    if (!afterPaint || flame.drawn) {
      flame.render(this.width());
      return;
    }
    // the second animation frame comes after the first one (showing the view) was painted
    requestAnimationFrame(() => requestAnimationFrame(() => {
      if (this.root.isConnected) flame.render(this.width());
    }));
  }

  show(name: ViewName): void {
    if (!this.buttons.has(name)) return;
    this.current = name;
    this.view(name);
    for (const [other, view] of this.views) this.setCurrent(view, other === name);
    for (const [other, b] of this.buttons) {
      b.setAttribute("aria-selected", String(other === name));
      b.tabIndex = other === name ? 0 : -1;
    }
    this.draw(name, true);
    this.options.onViewChange?.(name);
  }

  /**
   * Every built view keeps its rendering state; the others are `content-visibility: hidden`
   * (not painted, not focusable, not in the accessibility tree), so a switch does not rebuild
   * or re-lay-out a large view.
   */
  private setCurrent(view: HTMLElement, current: boolean): void {
    view.classList.toggle("pnb-current", current);
    if (current) view.removeAttribute("aria-hidden");
    else view.setAttribute("aria-hidden", "true");
  }

  private onTabKey(ev: KeyboardEvent): void {
    const names = [...this.buttons.keys()];
    const i = names.indexOf(this.current);
    let next: number | null = null;
    if (ev.key === "ArrowRight") next = (i + 1) % names.length;
    else if (ev.key === "ArrowLeft") next = (i - 1 + names.length) % names.length;
    else if (ev.key === "Home") next = 0;
    else if (ev.key === "End") next = names.length - 1;
    if (next === null) return;
    ev.preventDefault();
    this.show(names[next]);
    this.buttons.get(names[next])?.focus();
  }

  /** A line of the cell or of a function: show the flame graph zoomed on its function. */
  private focusLine(line: LineJSON): void {
    this.show("flame");
    if (!this.flame) return;
    this.flame.render(this.width()); // focusing needs the drawn graph
    if (line.function) this.flame.focusFunction(line.function, line.file);
    else this.flame.zoomTo(null);
  }

  setVerifyState(state: VerifyState | null): void {
    if (!this.advice) this.view("advice");
    this.advice?.setVerifyState(state);
  }

  dispose(): void {
    this.flame?.dispose();
    this.compare?.flame.dispose();
    this.root.remove();
  }
}

export function renderPanel(host: HTMLElement, profile: ProfileJSON, options?: PanelOptions): PanelHandle {
  return new Panel(host, profile, options);
}

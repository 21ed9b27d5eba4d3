/** Pieces several views share: headline chips, the hot-lines table, a section heading. */
import { splitBar } from "../charts.js";
import { h } from "../dom.js";
import * as fmt from "../format.js";
import type { LineJSON, ProfileJSON } from "../types.js";

export function chip(label: string, value: string, title?: string): HTMLElement {
  return h("span", { class: "pnb-chip", title: title ?? null }, `${label} `, h("b", null, value));
}

export function section(title: string, ...children: (Node | null | false)[]): HTMLElement {
  return h("section", { class: "pnb-section" }, h("h4", null, title), ...children);
}

/** Device time summed over torch ops (the GPU time of the cell), when torch was profiled. */
export function gpuTime(profile: ProfileJSON): number | null {
  if (!profile.torch) return null;
  return profile.torch.ops.reduce((a, op) => a + (op.device_s || 0), 0);
}

export function headline(profile: ProfileJSON): HTMLElement {
  const t = profile.timing;
  const chips: HTMLElement[] = [chip("wall", fmt.seconds(t.wall_s)), chip("CPU", fmt.seconds(t.cpu_s))];
  if (t.runs_s.length > 1) {
    const ci = t.p50_ci_s ? ` [${fmt.seconds(t.p50_ci_s[0])} – ${fmt.seconds(t.p50_ci_s[1])}]` : "";
    chips.push(chip("runs", String(t.runs_s.length)), chip("p50", fmt.seconds(t.p50_s) + ci, "median, with its 95% confidence interval"));
  }
  if (profile.memory.rss_peak_bytes) chips.push(chip("peak RSS", fmt.size(profile.memory.rss_peak_bytes)));
  if (profile.memory.traced_peak_bytes !== null && profile.memory.traced_peak_bytes !== undefined) chips.push(chip("traced peak", fmt.size(profile.memory.traced_peak_bytes)));
  const gpu = gpuTime(profile);
  if (gpu !== null) chips.push(chip("GPU", fmt.seconds(gpu)));
  if (profile.gc && profile.gc.time_s > 0) chips.push(chip("GC", fmt.seconds(profile.gc.time_s)));
  if (profile.meta?.samples) chips.push(chip("samples", profile.meta.samples.toLocaleString("en-US")));
  return h("div", { class: "pnb-chips" }, ...chips);
}

export function hotLines(profile: ProfileJSON, n: number): LineJSON[] {
  const total = profile.timing.wall_s || 1;
  return [...profile.lines].sort((a, b) => b.time_s - a.time_s).filter((l) => l.time_s >= 0.005 * total).slice(0, n);
}

export function linesTable(lines: LineJSON[], total: number, onClick?: (line: LineJSON) => void): HTMLElement {
  const rows = lines.map((l) => {
    const code = h("code", { class: "pnb-clip", title: l.code }, l.code);
    const place = fmt.where(l) + (l.function ? ` in ${l.function}` : "");
    const whereCell = h("td", { class: "pnb-loc" }, h("span", { class: "pnb-clip", title: place }, place));
    const row = h("tr", null,
      h("td", { class: "pnb-num" }, fmt.seconds(l.time_s)),
      h("td", { class: "pnb-num" }, fmt.percent(l.time_s, total)),
      h("td", null, splitBar(l.time_s, l.native_s, total)),
      whereCell,
      h("td", { class: "pnb-code" }, code));
    if (onClick) {
      row.classList.add("pnb-clickable");
      row.tabIndex = 0;
      row.title = "show in the flame graph";
      row.addEventListener("click", () => onClick(l));
      row.addEventListener("keydown", (ev) => { if (ev.key === "Enter") onClick(l); });
    }
    return row;
  });
  const head = h("tr", null, h("th", null, "time"), h("th", null, "share"), h("th", null, "Python | native"), h("th", null, "where"), h("th", null, "line"));
  return h("table", { class: "pnb-table" }, h("thead", null, head), h("tbody", null, ...rows));
}

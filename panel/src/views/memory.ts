/** Memory: the RSS timeline and the lines that allocated most (when measured). */
import { timeline } from "../charts.js";
import { h } from "../dom.js";
import * as fmt from "../format.js";
import type { ProfileJSON } from "../types.js";
import { chip, section } from "./common.js";

export function memory(profile: ProfileJSON): HTMLElement {
  const m = profile.memory;
  const chips = [chip("peak RSS", fmt.size(m.rss_peak_bytes))];
  if (m.rss_start_bytes) chips.push(chip("start", fmt.size(m.rss_start_bytes)));
  if (m.rss_end_bytes) chips.push(chip("end", fmt.size(m.rss_end_bytes)));
  if (m.traced_peak_bytes != null) chips.push(chip("traced peak", fmt.size(m.traced_peak_bytes)));
  if (profile.gc) chips.push(chip("GC", `${fmt.seconds(profile.gc.time_s)} in ${profile.gc.collections.reduce((a, b) => a + b, 0)} collections`));
  const el = h("div", { class: "pnb-memory" }, h("div", { class: "pnb-chips" }, ...chips));
  el.appendChild(section("Resident memory over time", m.timeline.length > 1 ? timeline(m.timeline, fmt.size) : h("p", { class: "pnb-muted" }, "The cell was too short for a timeline.")));
  const alloc = profile.lines.filter((l) => l.alloc_bytes != null && l.alloc_bytes !== 0).sort((a, b) => (b.alloc_bytes ?? 0) - (a.alloc_bytes ?? 0)).slice(0, 15);
  if (alloc.length) {
    const rows = alloc.map((l) => h("tr", null, h("td", { class: "pnb-num" }, fmt.size(l.alloc_bytes ?? 0)), h("td", { class: "pnb-loc" }, fmt.where(l)), h("td", { class: "pnb-code" }, h("code", null, l.code))));
    el.appendChild(section("Lines that allocated most", h("table", { class: "pnb-table" }, h("thead", null, h("tr", null, h("th", null, "allocated"), h("th", null, "where"), h("th", null, "line"))), h("tbody", null, ...rows))));
  } else {
    el.appendChild(h("p", { class: "pnb-muted" }, "Memory per line was not measured for this cell."));
  }
  return el;
}

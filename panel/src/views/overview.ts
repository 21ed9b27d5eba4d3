/** Overview: headline figures, latency histogram (-n), RSS sparkline, top lines, top suggestions. */
import { histogram, timeline } from "../charts.js";
import { h } from "../dom.js";
import * as fmt from "../format.js";
import type { LineJSON, ProfileJSON, SuggestionJSON } from "../types.js";
import { headline, hotLines, linesTable, section } from "./common.js";

export interface OverviewActions {
  focusLine(line: LineJSON): void;
  openSuggestion(s: SuggestionJSON): void;
}

export function overview(profile: ProfileJSON, actions: OverviewActions): HTMLElement {
  const el = h("div", { class: "pnb-overview" }, headline(profile));
  const t = profile.timing;
  const charts = h("div", { class: "pnb-row" });
  if (t.runs_s.length > 1) {
    const marks = [{ label: "p50", value: t.p50_s }, { label: "p95", value: t.p95_s }, { label: "p99", value: t.p99_s }];
    charts.appendChild(section(`Latency over ${t.runs_s.length} runs`, histogram(t.runs_s, marks, fmt.seconds)));
  }
  if (profile.memory.timeline.length > 1) {
    charts.appendChild(section("Resident memory", timeline(profile.memory.timeline, fmt.size, 260, 48, true),
      h("div", { class: "pnb-muted" }, `peak ${fmt.size(profile.memory.rss_peak_bytes)}`)));
  }
  if (charts.childNodes.length) el.appendChild(charts);
  const hot = hotLines(profile, 8);
  el.appendChild(section("Hottest lines", hot.length ? linesTable(hot, t.wall_s, actions.focusLine) : h("p", { class: "pnb-muted" }, "Too short to sample: no line took a measurable share.")));
  if (profile.suggestions.length) {
    const items = profile.suggestions.slice(0, 3).map((s) => {
      const b = h("button", { type: "button", class: "pnb-link" }, s.title);
      b.addEventListener("click", () => actions.openSuggestion(s));
      return h("li", null, h("span", { class: `pnb-level pnb-level-${s.level}` }, s.level), " ", b, s.speedup ? h("span", { class: "pnb-muted" }, ` ${s.speedup}`) : null);
    });
    el.appendChild(section("Suggestions", h("ul", { class: "pnb-list" }, ...items)));
  }
  for (const error of profile.meta?.errors ?? []) el.appendChild(h("div", { class: "pnb-warn" }, `perfnb: ${error}`));
  return el;
}

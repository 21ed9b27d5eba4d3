/** Compare (A/B): speedup with its confidence interval, per-line deltas, a differential flame graph. */
import { h } from "../dom.js";
import * as fmt from "../format.js";
import type { ComparisonJSON } from "../types.js";
import { chip, section } from "./common.js";
import { FlameView } from "./flame.js";

export function speedupText(c: ComparisonJSON): string {
  const word = c.speedup >= 1 ? "faster" : "slower";
  const factor = c.speedup >= 1 ? c.speedup : 1 / c.speedup;
  const ci = c.speedup_ci ? ` (95% CI ${c.speedup_ci[0].toFixed(2)}× – ${c.speedup_ci[1].toFixed(2)}×)` : "";
  return `${factor.toFixed(2)}× ${word} than “${c.name}”${ci}`;
}

export class CompareView {
  readonly el: HTMLElement;
  readonly flame: FlameView;

  constructor(c: ComparisonJSON) {
    this.flame = new FlameView(c.tree, { diff: true });
    const chips = h("div", { class: "pnb-chips" },
      chip("baseline p50", fmt.seconds(c.base_p50_s), `${c.base_runs} runs`),
      chip("this p50", fmt.seconds(c.new_p50_s), `${c.new_runs} runs`));
    const rows = c.lines.map((l) => h("tr", { class: l.delta_s > 0 ? "pnb-slower" : "pnb-faster" },
      h("td", { class: "pnb-num" }, `${l.delta_s > 0 ? "+" : ""}${fmt.seconds(l.delta_s)}`),
      h("td", { class: "pnb-num" }, fmt.seconds(l.base_s)),
      h("td", { class: "pnb-num" }, fmt.seconds(l.time_s)),
      h("td", { class: "pnb-loc" }, l.where),
      h("td", { class: "pnb-code" }, h("code", null, l.code))));
    const table = h("table", { class: "pnb-table" },
      h("thead", null, h("tr", null, h("th", null, "change"), h("th", null, "before"), h("th", null, "after"), h("th", null, "where"), h("th", null, "line"))),
      h("tbody", null, ...rows));
    this.el = h("div", { class: "pnb-compare" },
      h("div", { class: `pnb-speedup ${c.speedup >= 1 ? "pnb-faster" : "pnb-slower"}` }, speedupText(c)),
      c.speedup_ci ? null : h("div", { class: "pnb-muted" }, "Run both cells with -n for a confidence interval."),
      chips,
      section("Per-line change", rows.length ? table : h("p", { class: "pnb-muted" }, "No line changed measurably.")),
      section("Differential flame graph (width: this run; colour: change against the baseline)", this.flame.el));
  }
}

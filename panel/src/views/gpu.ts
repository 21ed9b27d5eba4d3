/** GPU: a sortable table of torch ops, FLOPs, device memory and NVML samples. */
import { timeline } from "../charts.js";
import { clear, h } from "../dom.js";
import * as fmt from "../format.js";
import type { ProfileJSON, TorchOpJSON } from "../types.js";
import { chip, section } from "./common.js";

type Key = "name" | "count" | "self_s" | "device_s" | "flops" | "shapes";
const COLUMNS: [Key, string][] = [["name", "op"], ["count", "calls"], ["self_s", "CPU self"], ["device_s", "device"], ["flops", "FLOPs"], ["shapes", "shapes"]];

function cell(op: TorchOpJSON, key: Key): string {
  const v = op[key];
  if (v === null || v === undefined) return "";
  if (key === "self_s" || key === "device_s") return fmt.seconds(v as number);
  if (key === "flops") return fmt.count(v as number);
  return String(v);
}

function opsTable(ops: TorchOpJSON[]): HTMLElement {
  let sortKey: Key = "device_s";
  let descending = true;
  const body = h("tbody");
  const heads = COLUMNS.map(([key, label]) => {
    const b = h("button", { type: "button", class: "pnb-sort" }, label);
    b.addEventListener("click", () => {
      descending = sortKey === key ? !descending : key !== "name" && key !== "shapes";
      sortKey = key;
      fill();
    });
    return h("th", { "data-key": key }, b);
  });
  const fill = (): void => {
    const sorted = [...ops].sort((a, b) => {
      const x = a[sortKey] ?? -1;
      const y = b[sortKey] ?? -1;
      const c = typeof x === "string" || typeof y === "string" ? String(x).localeCompare(String(y)) : (x as number) - (y as number);
      return descending ? -c : c;
    });
    clear(body);
    for (const op of sorted) body.appendChild(h("tr", null, ...COLUMNS.map(([key]) => h("td", { class: key === "name" || key === "shapes" ? "pnb-code" : "pnb-num" }, cell(op, key)))));
    heads.forEach((th) => th.setAttribute("aria-sort", th.dataset.key === sortKey ? (descending ? "descending" : "ascending") : "none"));
  };
  fill();
  return h("table", { class: "pnb-table" }, h("thead", null, h("tr", null, ...heads)), body);
}

export function gpu(profile: ProfileJSON): HTMLElement {
  const el = h("div", { class: "pnb-gpu" });
  const torch = profile.torch;
  if (!torch && !profile.gpu) {
    el.appendChild(h("p", { class: "pnb-muted" }, "No GPU or torch activity was recorded for this cell (profile torch code with %%perf --torch)."));
    return el;
  }
  if (torch) {
    const device = torch.ops.reduce((a, op) => a + op.device_s, 0);
    const chips = [chip("device", torch.device), chip("device time", fmt.seconds(device)), chip("syncs", String(torch.syncs))];
    if (torch.flops != null) chips.push(chip("FLOPs", fmt.count(torch.flops)));
    if (torch.device_memory_peak_bytes != null) chips.push(chip("device memory peak", fmt.size(torch.device_memory_peak_bytes)));
    el.appendChild(h("div", { class: "pnb-chips" }, ...chips));
    el.appendChild(section("Operators and kernels", torch.ops.length ? opsTable(torch.ops) : h("p", { class: "pnb-muted" }, "No operators recorded.")));
  }
  if (profile.gpu) {
    const g = profile.gpu;
    el.appendChild(h("div", { class: "pnb-chips" }, chip("GPU", g.device)));
    if (g.utilization.length > 1) el.appendChild(section("Utilization", timeline(g.utilization, (v) => `${v.toFixed(0)}%`)));
    if (g.memory.length > 1) el.appendChild(section("Device memory", timeline(g.memory, fmt.size)));
  }
  return el;
}

/** Small charts drawn with the DOM (no markup strings): histogram, timeline and sparkline in SVG, the Python/native split bar. */
import { h, s } from "./dom.js";

export interface Mark {
  label: string;
  value: number;
}

/** A histogram of values with vertical marks (e.g. p50/p95/p99). */
export function histogram(values: number[], marks: Mark[], label: (v: number) => string, width = 420, height = 120): SVGSVGElement {
  const pad = { l: 6, r: 6, t: 16, b: 18 };
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || Math.abs(hi) * 0.1 || 1;
  const bins = Math.max(5, Math.min(30, Math.ceil(Math.sqrt(values.length))));
  const countPer = new Array<number>(bins).fill(0);
  for (const v of values) countPer[Math.min(bins - 1, Math.floor(((v - lo) / span) * bins))]++;
  const top = Math.max(...countPer);
  const iw = width - pad.l - pad.r;
  const ih = height - pad.t - pad.b;
  const x = (v: number): number => pad.l + ((v - lo) / span) * iw;
  const svg = s("svg", { class: "pnb-chart", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "latency histogram" });
  countPer.forEach((n, i) => {
    const bh = (n / top) * ih;
    svg.appendChild(s("rect", { class: "pnb-bar", x: pad.l + (i * iw) / bins + 0.5, y: pad.t + ih - bh, width: Math.max(1, iw / bins - 1), height: bh }, s("title", null, `${n} runs`)));
  });
  marks.forEach((m, i) => {
    const mx = x(m.value);
    svg.appendChild(s("line", { class: "pnb-mark", x1: mx, x2: mx, y1: pad.t - 2, y2: pad.t + ih }));
    svg.appendChild(s("text", { class: "pnb-mark-label", x: mx, y: 10 + (i % 2) * 0, "text-anchor": "middle" }, m.label));
  });
  svg.appendChild(s("text", { class: "pnb-axis", x: pad.l, y: height - 4 }, label(lo)));
  svg.appendChild(s("text", { class: "pnb-axis", x: width - pad.r, y: height - 4, "text-anchor": "end" }, label(hi)));
  return svg;
}

/** An area chart of [t, value] points, with the peak marked. */
export function timeline(points: number[][], label: (v: number) => string, width = 560, height = 140, spark = false): SVGSVGElement {
  const pad = spark ? { l: 1, r: 1, t: 2, b: 2 } : { l: 6, r: 6, t: 16, b: 18 };
  const svg = s("svg", { class: spark ? "pnb-spark" : "pnb-chart", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "timeline" });
  if (points.length === 0) return svg;
  const t0 = points[0][0];
  const t1 = points[points.length - 1][0];
  let lo = Infinity;
  let hi = -Infinity;
  let peak = points[0];
  for (const p of points) {
    lo = Math.min(lo, p[1]);
    if (p[1] > hi) { hi = p[1]; peak = p; }
  }
  lo = spark ? lo : Math.min(lo, 0);
  const iw = width - pad.l - pad.r;
  const ih = height - pad.t - pad.b;
  const x = (t: number): number => pad.l + (t1 > t0 ? ((t - t0) / (t1 - t0)) * iw : iw / 2);
  const y = (v: number): number => pad.t + ih - (hi > lo ? ((v - lo) / (hi - lo)) * ih : ih / 2);
  const line = points.map((p, i) => `${i ? "L" : "M"}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join("");
  const area = `${line}L${x(t1).toFixed(1)},${pad.t + ih}L${x(t0).toFixed(1)},${pad.t + ih}Z`;
  svg.appendChild(s("path", { class: "pnb-area", d: area }));
  svg.appendChild(s("path", { class: "pnb-line", d: line }));
  if (!spark) {
    svg.appendChild(s("circle", { class: "pnb-peak", cx: x(peak[0]), cy: y(peak[1]), r: 3 }));
    svg.appendChild(s("text", { class: "pnb-mark-label", x: Math.min(Math.max(x(peak[0]), 40), width - 40), y: 11, "text-anchor": "middle" }, `peak ${label(peak[1])}`));
    svg.appendChild(s("text", { class: "pnb-axis", x: pad.l, y: height - 4 }, `${(t0).toFixed(2)} s`));
    svg.appendChild(s("text", { class: "pnb-axis", x: width - pad.r, y: height - 4, "text-anchor": "end" }, `${t1.toFixed(2)} s`));
  }
  return svg;
}

/**
 * A horizontal bar split into Python and native parts (shares of `total`): one element whose
 * background draws the parts (tables have a bar per line, so each is as light as can be).
 */
export function splitBar(time: number, native: number, total: number, width = 100): HTMLElement {
  const whole = total > 0 ? Math.min(1, time / total) * 100 : 0;
  const py = whole - (time > 0 ? Math.min(1, native / time) * whole : 0);
  const bar = h("span", { class: "pnb-split", role: "img", "aria-label": `Python ${py.toFixed(0)}%, native ${(whole - py).toFixed(0)}% of the time` });
  bar.style.width = `${width}px`;
  bar.style.setProperty("--pnb-py-end", `${py.toFixed(2)}%`);
  bar.style.setProperty("--pnb-native-end", `${whole.toFixed(2)}%`);
  return bar;
}

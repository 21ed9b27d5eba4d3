/** A tiny element builder: every string child becomes a text node (never markup). */
type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

const SVG = "http://www.w3.org/2000/svg";

/** Bars for a series of wall times (oldest left), the latest one marked. */
export function sparkline(values: number[], width = 64, height = 16): SVGSVGElement {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
  svg.setAttribute("class", "perfnb-spark");
  svg.setAttribute("aria-hidden", "true");
  const max = Math.max(...values, 1e-12);
  const step = width / Math.max(values.length, 1);
  values.forEach((v, i) => {
    const bar = document.createElementNS(SVG, "rect");
    const h = Math.max(1, (v / max) * (height - 1));
    bar.setAttribute("x", (i * step + 0.5).toFixed(1));
    bar.setAttribute("y", (height - h).toFixed(1));
    bar.setAttribute("width", Math.max(1, step - 1).toFixed(1));
    bar.setAttribute("height", h.toFixed(1));
    if (i === values.length - 1) bar.setAttribute("class", "perfnb-spark-last");
    svg.appendChild(bar);
  });
  return svg;
}

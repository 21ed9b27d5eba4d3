/** Human-readable numbers, the same as perfnb/render/format.py. */
import type { LineJSON } from "./types.js";

export function seconds(value: number): string {
  const v = Math.abs(value);
  const sign = value < 0 ? "−" : "";
  if (v >= 100) return `${sign}${v.toFixed(0)} s`;
  if (v >= 1) return `${sign}${v.toFixed(2)} s`;
  if (v >= 1e-3) return `${sign}${(v * 1e3).toFixed(1)} ms`;
  return `${sign}${(v * 1e6).toFixed(0)} µs`;
}

export function size(value: number): string {
  let v = value;
  for (const unit of ["B", "KB", "MB", "GB"]) {
    if (Math.abs(v) < 1000 || unit === "GB") return unit === "B" ? `${v.toFixed(0)} B` : `${v.toFixed(1)} ${unit}`;
    v /= 1000;
  }
  return `${v.toFixed(1)} TB`;
}

export function count(value: number): string {
  const units: [number, string][] = [[1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "k"]];
  for (const [scale, unit] of units) if (Math.abs(value) >= scale) return `${(value / scale).toFixed(1)} ${unit}`;
  return String(value);
}

export function share(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}

export function percent(part: number, whole: number): string {
  return `${(share(part, whole) * 100).toFixed(0)}%`;
}

/** A path shortened to what a reader needs: the part after site-packages, or the last two parts. */
export function shortPath(path: string): string {
  const marker = path.lastIndexOf("site-packages/");
  if (marker >= 0) return path.slice(marker + "site-packages/".length);
  const parts = path.split("/");
  return parts.length > 2 ? parts.slice(-2).join("/") : path;
}

/** Third-party or standard-library code: collapsed by default. */
export function isLibrary(file: string): boolean {
  return /site-packages\/|dist-packages\/|\/lib\/python\d|^<frozen|^<built-in/.test(file);
}

/** `In [5] line 3` for a cell, `path:line` for a file. */
export function where(line: LineJSON): string {
  return line.origin === "cell" ? `${line.file} line ${line.line}` : `${shortPath(line.file)}:${line.line}`;
}

/**
 * The notebook-wide profile model: pure functions from what the notebook holds
 * (each code cell's latest profile output and its run history in cell metadata)
 * to what the sidebar shows. No JupyterLab imports, so it is unit-tested in Node.
 *
 * History design: a cell's outputs only ever hold its latest profile, so every
 * run the sidebar sees finish is summarised (`RunSummary`, a few hundred bytes)
 * into the cell's metadata under `perfnb.runs` (newest last, at most
 * `MAX_RUNS`). The metadata is saved with the notebook, travels with the cell
 * when it is moved or copied, and is read back after a reload without a kernel.
 */
import type { LineJSON, ProfileJSON, SuggestionJSON } from "@perfnb/views";

export const MIME_TYPE = "application/vnd.perfnb.profile+json";
/** The cell-metadata key that holds a cell's run history. */
export const METADATA_KEY = "perfnb";
export const MAX_RUNS = 20;
/** Lines kept per run in the history (enough to compare two runs line by line); library lines are not kept. */
export const RUN_LINES = 8;

/** One line of a run, as kept in the history: the profile line's fields needed to compare runs. */
export type RunLine = Pick<LineJSON, "origin" | "cell" | "file" | "line" | "code" | "time_s">;

/** One run of a cell, small enough to keep many in the cell's metadata. */
export interface RunSummary {
  execution_count: number | null;
  started_at: string;
  wall_s: number;
  cpu_s: number;
  lines: RunLine[];
  suggestions: number;
}

/** What the `perfnb` cell-metadata entry holds. */
export interface CellMetadata {
  runs: RunSummary[];
}

/** One code cell as the sidebar reads it from the notebook. */
export interface CellInput {
  /** position in the notebook */
  index: number;
  /** the cell's id (nbformat ≥ 4.5), or "" */
  id: string;
  /** the cell's current execution count */
  executionCount: number | null;
  /** the latest profile among the cell's outputs, if any */
  profile: ProfileJSON | null;
  /** the static HTML report shown with that profile (text/html of the same output), if any */
  html: string | null;
  /** the cell's `perfnb` metadata, unvalidated */
  metadata: unknown;
}

export type Trend = "faster" | "slower" | "same" | "new";

export interface CellEntry {
  index: number;
  id: string;
  /** `In [5]` (or `In [ ]`) */
  label: string;
  /** the first non-blank, non-magic line of the cell's source */
  title: string;
  profile: ProfileJSON;
  html: string | null;
  wall_s: number;
  /** share of the notebook's profiled total, 0..1 */
  share: number;
  /** every known run, oldest first; the last one is the profile shown */
  runs: RunSummary[];
  trend: Trend;
  /** latest / previous wall time (1 when there is no previous run) */
  ratio: number;
}

export interface HotLine {
  /** `In [5] line 3` or `path.py:12` */
  where: string;
  code: string;
  time_s: number;
  native_s: number;
  /** share of the notebook's profiled total, 0..1 */
  share: number;
  /** the notebook cell holding this line (cell lines whose cell is still in the notebook), else null */
  cellIndex: number | null;
  /** 1-based line in that cell's editor */
  line: number;
}

export interface NotebookSuggestion {
  suggestion: SuggestionJSON;
  /** the profiled cell the suggestion comes from */
  cellIndex: number;
  label: string;
}

export interface NotebookView {
  cells: CellEntry[];
  total_s: number;
  hotLines: HotLine[];
  suggestions: NotebookSuggestion[];
}

export interface LineDelta {
  where: string;
  code: string;
  a_s: number;
  b_s: number;
  delta_s: number;
}

export interface RunComparison {
  a: RunSummary;
  b: RunSummary;
  delta_s: number;
  /** b / a wall time: below 1 is faster */
  ratio: number;
  lines: LineDelta[];
}

const LEVELS = ["beginner", "intermediate", "advanced", "expert"];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function num(value: unknown, fallback = 0): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

/** A profile output's data, or null when it is not a perfnb.profile/1 profile. */
export function asProfile(data: unknown): ProfileJSON | null {
  if (!isObject(data) || data.schema !== "perfnb.profile/1") return null;
  if (!isObject(data.timing) || !isObject(data.cell)) return null;
  return data as unknown as ProfileJSON;
}

export function lineWhere(line: { origin: string; file: string; line: number }): string {
  if (line.origin === "cell") return `${line.file} line ${line.line}`;
  const parts = line.file.split("/");
  const marker = line.file.lastIndexOf("site-packages/");
  const short = marker >= 0 ? line.file.slice(marker + "site-packages/".length) : parts.length > 2 ? parts.slice(-2).join("/") : line.file;
  return `${short}:${line.line}`;
}

function runLine(line: LineJSON): RunLine {
  return { origin: line.origin, cell: line.cell, file: line.file, line: line.line, code: line.code, time_s: line.time_s };
}

/** The history entry for one profile. */
export function summarize(profile: ProfileJSON): RunSummary {
  const lines = (profile.lines ?? [])
    .filter((l) => l.origin === "cell" || !isLibrary(l.file))
    .sort((a, b) => b.time_s - a.time_s)
    .slice(0, RUN_LINES)
    .map(runLine);
  return {
    execution_count: profile.cell.execution_count,
    started_at: profile.meta?.started_at ?? "",
    wall_s: num(profile.timing.wall_s),
    cpu_s: num(profile.timing.cpu_s),
    lines,
    suggestions: (profile.suggestions ?? []).length,
  };
}

function sameRun(a: RunSummary, b: RunSummary): boolean {
  return a.execution_count === b.execution_count && a.started_at === b.started_at && a.wall_s === b.wall_s;
}

/** The runs kept in a cell's metadata (invalid entries dropped). */
export function readRuns(metadata: unknown): RunSummary[] {
  if (!isObject(metadata) || !Array.isArray(metadata.runs)) return [];
  const runs: RunSummary[] = [];
  for (const raw of metadata.runs) {
    if (!isObject(raw) || typeof raw.wall_s !== "number") continue;
    const lines = Array.isArray(raw.lines)
      ? raw.lines.filter(isObject).map((l): RunLine => ({
          origin: l.origin === "cell" ? "cell" : "file",
          cell: typeof l.cell === "number" ? l.cell : null,
          file: String(l.file ?? ""),
          line: num(l.line),
          code: String(l.code ?? ""),
          time_s: num(l.time_s),
        }))
      : [];
    runs.push({
      execution_count: typeof raw.execution_count === "number" ? raw.execution_count : null,
      started_at: String(raw.started_at ?? ""),
      wall_s: raw.wall_s,
      cpu_s: num(raw.cpu_s),
      lines,
      suggestions: num(raw.suggestions),
    });
  }
  return runs;
}

/**
 * The history with `latest` as its newest run: unchanged (the same array) when
 * it already ends with that run, so callers can tell whether to write metadata.
 */
export function withRun(runs: RunSummary[], latest: RunSummary, max = MAX_RUNS): RunSummary[] {
  if (runs.length && sameRun(runs[runs.length - 1], latest)) return runs;
  const kept = runs.filter((r) => !sameRun(r, latest));
  return [...kept, latest].slice(-max);
}

/** Faster/slower than the previous run, with a 5% dead band (timer noise). */
export function trendOf(runs: RunSummary[]): { trend: Trend; ratio: number } {
  if (runs.length < 2) return { trend: "new", ratio: 1 };
  const prev = runs[runs.length - 2].wall_s;
  const last = runs[runs.length - 1].wall_s;
  const ratio = prev > 0 ? last / prev : 1;
  if (ratio < 0.95) return { trend: "faster", ratio };
  if (ratio > 1.05) return { trend: "slower", ratio };
  return { trend: "same", ratio };
}

function cellTitle(source: string): string {
  for (const raw of source.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("%%perf") || line.startsWith("#")) continue;
    return line.length > 60 ? `${line.slice(0, 59)}…` : line;
  }
  return "";
}

function label(count: number | null): string {
  return `In [${count ?? " "}]`;
}

/** Everything the sidebar shows, from the notebook's code cells in notebook order. */
export function buildView(inputs: CellInput[], topLines = 10, topSuggestions = 8): NotebookView {
  const profiled = inputs.filter((c): c is CellInput & { profile: ProfileJSON } => c.profile !== null);
  const total = profiled.reduce((sum, c) => sum + num(c.profile.timing.wall_s), 0);
  const cells: CellEntry[] = profiled.map((c) => {
    const runs = withRun(readRuns(c.metadata), summarize(c.profile));
    const { trend, ratio } = trendOf(runs);
    const wall = num(c.profile.timing.wall_s);
    return {
      index: c.index,
      id: c.id,
      label: label(c.profile.cell.execution_count ?? c.executionCount),
      title: cellTitle(c.profile.cell.source ?? ""),
      profile: c.profile,
      html: c.html,
      wall_s: wall,
      share: total > 0 ? wall / total : 0,
      runs,
      trend,
      ratio,
    };
  });
  return { cells, total_s: total, hotLines: hotLines(inputs, profiled, total, topLines), suggestions: topSuggestionsOf(cells, topSuggestions) };
}

/** Third-party or standard-library code (the same test as the panel's). */
export function isLibrary(file: string): boolean {
  return /site-packages\/|dist-packages\/|\/lib\/python\d|^<frozen|^<built-in/.test(file);
}

/**
 * The hottest lines of the whole notebook: each cell's latest profile, lines
 * summed by place (a function from an earlier cell called by several cells adds up).
 * Library lines are left out: their time is already charged to the notebook line
 * that called them, which is the line a user can change.
 */
function hotLines(inputs: CellInput[], profiled: { profile: ProfileJSON }[], total: number, top: number): HotLine[] {
  const byCount = new Map<number, number>();
  for (const c of inputs) if (c.executionCount !== null) byCount.set(c.executionCount, c.index);
  const merged = new Map<string, HotLine>();
  for (const { profile } of profiled) {
    for (const line of profile.lines ?? []) {
      if (line.origin !== "cell" && isLibrary(line.file)) continue;
      const key = `${line.origin}\u0000${line.file}\u0000${line.line}`;
      const entry = merged.get(key);
      if (entry) {
        entry.time_s += line.time_s;
        entry.native_s += num(line.native_s);
        continue;
      }
      const cellIndex = line.origin === "cell" && line.cell !== null ? byCount.get(line.cell) ?? null : null;
      merged.set(key, { where: lineWhere(line), code: line.code, time_s: line.time_s, native_s: num(line.native_s), share: 0, cellIndex, line: line.line });
    }
  }
  const lines = [...merged.values()].sort((a, b) => b.time_s - a.time_s).slice(0, top);
  for (const l of lines) l.share = total > 0 ? Math.min(1, l.time_s / total) : 0;
  return lines;
}

/** Suggestions of every cell, the biggest expected saving first, then the most approachable level. */
function topSuggestionsOf(cells: CellEntry[], top: number): NotebookSuggestion[] {
  const all: NotebookSuggestion[] = [];
  for (const c of cells) for (const s of c.profile.suggestions ?? []) all.push({ suggestion: s, cellIndex: c.index, label: c.label });
  const level = (s: SuggestionJSON): number => {
    const i = LEVELS.indexOf(String(s.level));
    return i < 0 ? LEVELS.length : i;
  };
  all.sort((x, y) => num(y.suggestion.saving_s) - num(x.suggestion.saving_s) || level(x.suggestion) - level(y.suggestion) || x.cellIndex - y.cellIndex);
  return all.slice(0, top);
}

/** Two runs of a cell side by side: wall time and the lines either run kept. */
export function compareRuns(a: RunSummary, b: RunSummary): RunComparison {
  const rows = new Map<string, LineDelta>();
  // A re-run cell's own lines are named after its new execution count: pair them by line number.
  const key = (l: RunLine, run: RunSummary): string =>
    l.origin === "cell" && l.cell !== null && l.cell === run.execution_count ? `self\u0000${l.line}` : `${l.origin}\u0000${l.file}\u0000${l.line}`;
  for (const l of a.lines) rows.set(key(l, a), { where: lineWhere(l), code: l.code, a_s: l.time_s, b_s: 0, delta_s: -l.time_s });
  for (const l of b.lines) {
    const row = rows.get(key(l, b));
    if (row) {
      row.where = lineWhere(l);
      row.b_s = l.time_s;
      row.delta_s = l.time_s - row.a_s;
    } else {
      rows.set(key(l, b), { where: lineWhere(l), code: l.code, a_s: 0, b_s: l.time_s, delta_s: l.time_s });
    }
  }
  const lines = [...rows.values()].sort((x, y) => Math.abs(y.delta_s) - Math.abs(x.delta_s));
  return { a, b, delta_s: b.wall_s - a.wall_s, ratio: a.wall_s > 0 ? b.wall_s / a.wall_s : 1, lines };
}

/** The 1-based editor line to highlight when a cell is opened: its hottest own line. */
export function hottestCellLine(profile: ProfileJSON): number | null {
  const count = profile.cell.execution_count;
  let best: LineJSON | null = null;
  for (const line of profile.lines ?? []) {
    if (line.origin !== "cell" || (count !== null && line.cell !== count)) continue;
    if (!best || line.time_s > best.time_s) best = line;
  }
  return best ? best.line : null;
}

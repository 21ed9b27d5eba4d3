import { describe, expect, it } from "vitest";
import type { ProfileJSON } from "@perfnb/views";
import {
  asProfile, buildView, type CellInput, compareRuns, hottestCellLine, MAX_RUNS, readRuns, summarize, trendOf, withRun,
} from "../src/model";
import { escapeHtml, inertHtml, notebookReport } from "../src/report";

type LineSpec = [origin: "cell" | "file", cell: number | null, file: string, line: number, code: string, time_s: number];

function profile(count: number | null, wall: number, lines: LineSpec[] = [], extra: Partial<ProfileJSON> = {}): ProfileJSON {
  return {
    schema: "perfnb.profile/1",
    cell: { execution_count: count, source: `%%perf\nx = work(${count})\n` },
    timing: { wall_s: wall, cpu_s: wall, runs_s: [wall], p50_s: wall, p95_s: wall, p99_s: wall },
    lines: lines.map(([origin, cell, file, line, code, time_s]) => ({ origin, cell, file, line, code, time_s, native_s: 0, hits: null, alloc_bytes: null })),
    tree: null,
    memory: { rss_peak_bytes: 0, traced_peak_bytes: null, timeline: [] },
    torch: null,
    gpu: null,
    suggestions: [],
    meta: { started_at: `2026-11-22T10:00:0${count ?? 0}+00:00` },
    ...extra,
  };
}

function cell(index: number, p: ProfileJSON | null, metadata: unknown = undefined, executionCount: number | null = p?.cell.execution_count ?? null): CellInput {
  return { index, id: `id-${index}`, executionCount, profile: p, html: p ? `<p>report ${index}</p>` : null, metadata };
}

describe("asProfile", () => {
  it("accepts perfnb.profile/1 and rejects anything else", () => {
    expect(asProfile(profile(1, 1))).not.toBeNull();
    expect(asProfile({ ...profile(1, 1), schema: "perfnb.profile/2" })).toBeNull();
    expect(asProfile("text")).toBeNull();
    expect(asProfile(null)).toBeNull();
    expect(asProfile({ schema: "perfnb.profile/1" })).toBeNull();
  });
});

describe("buildView", () => {
  it("lists profiled cells in notebook order with their share of the total", () => {
    const view = buildView([cell(0, profile(3, 3)), cell(1, null), cell(2, profile(1, 1))]);
    expect(view.cells.map((c) => c.index)).toEqual([0, 2]);
    expect(view.cells.map((c) => c.label)).toEqual(["In [3]", "In [1]"]);
    expect(view.total_s).toBe(4);
    expect(view.cells[0].share).toBeCloseTo(0.75);
    expect(view.cells[1].share).toBeCloseTo(0.25);
    expect(view.cells[0].title).toBe("x = work(3)");
  });

  it("is empty for a notebook without profiles", () => {
    const view = buildView([cell(0, null)]);
    expect(view.cells).toEqual([]);
    expect(view.total_s).toBe(0);
    expect(view.hotLines).toEqual([]);
  });

  it("sums the hottest lines over cells and points cell lines at the cell that holds them", () => {
    // In [1] defines f; In [2] and In [3] call it: f's line adds up and points at cell 0.
    const f: LineSpec = ["cell", 1, "In [1]", 2, "    return sum(x)", 0];
    const view = buildView([
      cell(0, null, undefined, 1),
      cell(1, profile(2, 2, [[...f.slice(0, 5), 1.5] as LineSpec, ["cell", 2, "In [2]", 2, "f(a)", 0.5]])),
      cell(2, profile(3, 2, [[...f.slice(0, 5), 1.0] as LineSpec, ["file", null, "/usr/lib/python3/site-packages/np/core.py", 10, "np.dot()", 1.0]])),
    ]);
    expect(view.hotLines[0]).toMatchObject({ where: "In [1] line 2", time_s: 2.5, cellIndex: 0, line: 2 });
    expect(view.hotLines[0].share).toBeCloseTo(2.5 / 4);
    // library lines are left out (their time is in the calling line); the user's own files stay
    expect(view.hotLines.map((l) => l.where)).toEqual(["In [1] line 2", "In [2] line 2"]);
    const own = buildView([cell(0, profile(1, 1, [["file", null, "/home/me/project/util.py", 3, "work()", 0.7]]))]);
    expect(own.hotLines[0]).toMatchObject({ where: "project/util.py:3", cellIndex: null });
  });

  it("leaves a cell line unlinked when its cell is no longer in the notebook", () => {
    const view = buildView([cell(0, profile(7, 1, [["cell", 4, "In [4]", 1, "g()", 1]]))]);
    expect(view.hotLines[0].cellIndex).toBeNull();
  });

  it("ranks suggestions across cells by expected saving, then by level", () => {
    const s = (rule: string, level: string, saving_s: number) => ({ rule, category: "caching", level, title: rule, evidence: "", lines: [2], fix: "", tutorial: "", verified: null, saving_s });
    const view = buildView([
      cell(0, profile(1, 1, [], { suggestions: [s("a", "expert", 0.1), s("b", "beginner", 0.1)] })),
      cell(1, profile(2, 1, [], { suggestions: [s("c", "advanced", 0.9)] })),
    ]);
    expect(view.suggestions.map((x) => x.suggestion.rule)).toEqual(["c", "b", "a"]);
    expect(view.suggestions[0]).toMatchObject({ cellIndex: 1, label: "In [2]" });
  });
});

describe("history", () => {
  it("adds the latest run once and keeps at most MAX_RUNS", () => {
    const first = summarize(profile(1, 2));
    const runs = withRun([], first);
    expect(runs).toHaveLength(1);
    expect(withRun(runs, summarize(profile(1, 2)))).toBe(runs); // the same run: unchanged, same array
    let many = runs;
    for (let i = 2; i < MAX_RUNS + 5; i++) many = withRun(many, { ...summarize(profile(i, i)), started_at: `t${i}` });
    expect(many).toHaveLength(MAX_RUNS);
    expect(many[many.length - 1].execution_count).toBe(MAX_RUNS + 4);
  });

  it("keeps the hottest notebook lines of a run, not library lines", () => {
    const run = summarize(profile(1, 1, [["file", null, "/usr/lib/python3.11/threading.py", 5, "wait()", 0.9], ["cell", 1, "In [1]", 2, "f()", 0.5]]));
    expect(run.lines.map((l) => l.code)).toEqual(["f()"]);
  });

  it("reads the history back from cell metadata and shows the trend", () => {
    const old = summarize(profile(1, 2));
    const view = buildView([cell(0, profile(5, 1), { runs: [old] })]);
    expect(view.cells[0].runs.map((r) => r.execution_count)).toEqual([1, 5]);
    expect(view.cells[0].trend).toBe("faster");
    expect(view.cells[0].ratio).toBeCloseTo(0.5);
  });

  it("drops malformed metadata instead of failing", () => {
    expect(readRuns({ runs: [null, 3, { wall_s: "x" }, { wall_s: 1, lines: [{ line: 2, code: "a" }] }] })).toHaveLength(1);
    expect(readRuns("nope")).toEqual([]);
    expect(readRuns(undefined)).toEqual([]);
  });

  it("calls changes inside 5% the same", () => {
    const r = (w: number) => ({ ...summarize(profile(1, w)), started_at: String(w) });
    expect(trendOf([r(1)]).trend).toBe("new");
    expect(trendOf([r(1), r(1.03)]).trend).toBe("same");
    expect(trendOf([r(1), r(1.5)]).trend).toBe("slower");
    expect(trendOf([r(1), r(0.5)]).trend).toBe("faster");
  });
});

describe("compareRuns", () => {
  it("pairs lines by place and sorts by the size of the change", () => {
    const a = summarize(profile(1, 2, [["cell", 1, "In [1]", 2, "slow()", 1.5], ["cell", 1, "In [1]", 3, "other()", 0.5]]));
    const b = summarize(profile(2, 1, [["cell", 2, "In [2]", 2, "slow()", 0.2], ["cell", 2, "In [2]", 4, "new()", 0.3]]));
    // The same cell re-run: In [1] line 2 and In [2] line 2 are the same line.
    const c = compareRuns(a, b);
    expect(c.delta_s).toBeCloseTo(-1);
    expect(c.ratio).toBeCloseTo(0.5);
    expect(c.lines[0]).toMatchObject({ where: "In [2] line 2", code: "slow()", a_s: 1.5, b_s: 0.2 });
    expect(c.lines[0].delta_s).toBeCloseTo(-1.3);
    expect(c.lines.map((l) => [l.code, l.a_s, l.b_s])).toEqual([["slow()", 1.5, 0.2], ["other()", 0.5, 0], ["new()", 0, 0.3]]);
  });

  it("keeps lines of other cells apart by cell", () => {
    const a = summarize(profile(3, 1, [["cell", 1, "In [1]", 2, "f body", 0.5]]));
    const b = summarize(profile(4, 1, [["cell", 2, "In [2]", 2, "g body", 0.5]]));
    expect(compareRuns(a, b).lines).toHaveLength(2);
  });
});

describe("hottestCellLine", () => {
  it("is the cell's own hottest line, not a line of another cell", () => {
    const p = profile(4, 1, [["cell", 1, "In [1]", 2, "body", 0.9], ["cell", 4, "In [4]", 3, "call()", 0.1], ["cell", 4, "In [4]", 2, "x", 0.05]]);
    expect(hottestCellLine(p)).toBe(3);
    expect(hottestCellLine(profile(4, 1))).toBeNull();
  });
});

describe("notebookReport", () => {
  it("escapes every string from the notebook and keeps the reused reports inert", () => {
    const evil = profile(1, 1, [["cell", 1, "In [1]", 2, "<img src=x onerror=alert(1)>", 1]]);
    evil.cell.source = "%%perf\n</title><script>alert(1)</script>\n";
    const view = buildView([{ ...cell(0, evil), html: '<div onclick="alert(1)">ok</div><script>alert(2)</script>' }]);
    const html = notebookReport("<nb>", view);
    expect(html).not.toContain("<script");
    expect(html).not.toContain("onclick");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).toContain("perfnb report — &lt;nb&gt;");
    expect(html).toContain("<div>ok</div>");
    expect(escapeHtml(`a"b'c&`)).toBe("a&quot;b&#39;c&amp;");
    expect(inertHtml("<SCRIPT src=x></SCRIPT>x")).toBe("x");
  });
});

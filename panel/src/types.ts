/** The profile JSON contract `perfnb.profile/1` (see perfnb/schema/profile-1.json). */

export interface CellJSON {
  execution_count: number | null;
  source: string;
}

export interface TimingJSON {
  wall_s: number;
  cpu_s: number;
  runs_s: number[];
  p50_s: number;
  p95_s: number;
  p99_s: number;
  mean_s?: number;
  stdev_s?: number;
  min_s?: number;
  max_s?: number;
  p50_ci_s?: [number, number] | null;
  warmup?: number;
}

export interface LineJSON {
  origin: "cell" | "file";
  cell: number | null;
  file: string;
  line: number;
  code: string;
  time_s: number;
  native_s: number;
  hits: number | null;
  alloc_bytes: number | null;
  cpu_s?: number;
  function?: string;
}

export interface TreeNodeJSON {
  name: string;
  file: string;
  line: number;
  time_s: number;
  self_s: number;
  children: TreeNodeJSON[];
  cell?: number | null;
  native_s?: number;
}

export interface MemoryJSON {
  rss_peak_bytes: number;
  traced_peak_bytes: number | null;
  /** [[t_s, bytes], ...] */
  timeline: number[][];
  rss_start_bytes?: number;
  rss_end_bytes?: number;
}

export interface TorchOpJSON {
  name: string;
  count: number;
  self_s: number;
  device_s: number;
  flops: number | null;
  shapes: string;
}

export interface TorchJSON {
  device: string;
  ops: TorchOpJSON[];
  flops: number | null;
  device_memory_peak_bytes: number | null;
  syncs: number;
}

export interface GpuJSON {
  device: string;
  /** [[t_s, pct], ...] */
  utilization: number[][];
  /** [[t_s, bytes], ...] */
  memory: number[][];
}

export type Level = "beginner" | "intermediate" | "advanced" | "expert";

export interface SuggestionJSON {
  rule: string;
  category: string;
  level: Level | string;
  title: string;
  evidence: string;
  lines: number[];
  fix: string;
  tutorial: string;
  verified: string | null;
  speedup?: string;
  saving_s?: number;
}

export interface GcJSON {
  collections: number[];
  time_s: number;
  max_pause_s: number;
}

export interface ThreadJSON {
  name: string;
  ident: number;
  time_s: number;
  cpu_s?: number;
  lines?: LineJSON[];
  tree?: TreeNodeJSON | null;
}

export interface MetaJSON {
  perfnb_version?: string;
  python?: string;
  platform?: string;
  started_at?: string;
  engines?: string[];
  interval_s?: number;
  samples?: number;
  errors?: string[];
}

export interface ProfileJSON {
  schema: "perfnb.profile/1";
  cell: CellJSON;
  timing: TimingJSON;
  lines: LineJSON[];
  tree: TreeNodeJSON | null;
  memory: MemoryJSON;
  torch: TorchJSON | null;
  gpu: GpuJSON | null;
  suggestions: SuggestionJSON[];
  gc?: GcJSON;
  threads?: ThreadJSON[];
  meta?: MetaJSON;
}

/** A differential call tree node: `time_s` of the new run, `delta_s` = new − baseline. */
export interface DiffNodeJSON {
  name: string;
  file: string;
  line: number;
  time_s: number;
  base_s: number;
  delta_s: number;
  children: DiffNodeJSON[];
}

export interface LineDeltaJSON {
  where: string;
  code: string;
  base_s: number;
  time_s: number;
  delta_s: number;
}

/** An A/B comparison (`%%perf --compare NAME`), computed by perfnb/compare.py. */
export interface ComparisonJSON {
  name: string;
  base_p50_s: number;
  new_p50_s: number;
  /** baseline / new: above 1 is faster. */
  speedup: number;
  /** 95% confidence interval of the speedup (bootstrap over runs); null with one run per side. */
  speedup_ci: [number, number] | null;
  base_runs: number;
  new_runs: number;
  lines: LineDeltaJSON[];
  tree: DiffNodeJSON | null;
}

/** Where a suggestion's tutorial opens: in this JupyterLab when `file` lies under its root, else on Binder. */
export interface TutorialLink {
  /** absolute path of the tutorial notebook on the kernel's machine, when found */
  file: string | null;
  /** the kernel user's home directory (to expand a `~` server root) */
  home?: string | null;
  binder: string | null;
}

export type ViewName = "overview" | "source" | "flame" | "memory" | "gpu" | "advice" | "compare";

export interface VerifyState {
  /** rule of the suggestion being verified */
  rule: string;
  status: "running" | "done" | "error";
  message: string;
  /** 0..1 while running, when known */
  progress?: number;
}

export interface PanelOptions {
  /** the view shown first (default: overview) */
  view?: ViewName;
  /** an A/B comparison to show in the Compare view */
  comparison?: ComparisonJSON | null;
  /** resolved tutorial links, keyed by the suggestion's `tutorial` path */
  tutorials?: Record<string, TutorialLink>;
  /** The Verify button of an advice card; without it the button is not shown. */
  onVerify?: (suggestion: SuggestionJSON) => void;
  /** Opening a tutorial; without it the link is followed as a plain link (new tab). Return true when handled. */
  onOpenTutorial?: (tutorial: string, link: TutorialLink | undefined) => boolean | void;
  /** Called when the user switches view. */
  onViewChange?: (view: ViewName) => void;
}

export interface PanelHandle {
  /** Replace the profile (and optionally the comparison); keeps the current view. */
  update(profile: ProfileJSON, options?: PanelOptions): void;
  /** Show a view. */
  show(view: ViewName): void;
  /** The progress / result of a Verify run, shown on its card. */
  setVerifyState(state: VerifyState | null): void;
  /** Remove everything the panel added to the host. */
  dispose(): void;
}

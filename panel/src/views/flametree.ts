/**
 * The part of a call tree a flame graph can show: a profile's tree can have 50,000 nodes,
 * but at a given width only frames a few pixels wide can be drawn. `visibleFrames` gives
 * d3-flame-graph those frames alone (the narrow children of a frame merged into one), for
 * the zoomed frame's scale; zooming builds it again, so no detail is lost, only loaded later.
 */
import type { DiffNodeJSON, TreeNodeJSON } from "../types.js";

/** A frame's narrow children, merged into one node (drawn as a leaf; zooming into it draws them). */
export interface MergedNode {
  merged: true;
  name: string;
  file: "";
  line: 0;
  time_s: number;
  native_s: number;
  delta_s: number;
  children: CallNode[];
}

export type CallNode = TreeNodeJSON | DiffNodeJSON | MergedNode;

/** The node data d3-flame-graph sees (d3's hierarchy wraps it as `.data`). */
export interface FrameData {
  name: string;
  value: number;
  native: number;
  file: string;
  line: number;
  lib: boolean;
  merged: boolean;
  /** the frame's own change (d3-flame-graph sums the totals), in a differential graph */
  delta?: number;
  /** an ancestor of the zoomed frame (d3-flame-graph draws it faded, as wide as the zoomed one) */
  fade?: boolean;
  children: FrameData[];
  node: CallNode;
}

export interface VisibleFrames {
  root: FrameData;
  /**
   * The frame that shows each node given a frame, or merged into one; `null` for the nodes
   * hidden by the zoom. A node not in the map is shown by the frame of its parent.
   */
  shown: Map<CallNode, FrameData | null>;
}

const kids = (n: CallNode): CallNode[] => n.children;
const native = (n: CallNode): number => ("native_s" in n && typeof n.native_s === "number" ? n.native_s : 0);
const delta = (n: CallNode): number => ("delta_s" in n ? n.delta_s : 0);

function merge(nodes: CallNode[]): MergedNode {
  const sum = (f: (n: CallNode) => number): number => nodes.reduce((a, n) => a + f(n), 0);
  return {
    merged: true, name: `[${nodes.length} narrow frames]`, file: "", line: 0,
    time_s: sum((n) => n.time_s), native_s: sum(native), delta_s: sum(delta), children: nodes,
  };
}

/**
 * The frames to draw for `path` (the root, …, the zoomed node) at `width` pixels: its ancestors
 * faded, each with only the next one as child; below it, every frame at least `minPx` wide, the
 * narrower children of each merged into one frame (when that one is `minPx` wide).
 */
export function visibleFrames(path: CallNode[], width: number, minPx: number, isLibrary: (file: string) => boolean,
  diff: boolean): VisibleFrames {
  const shown = new Map<CallNode, FrameData | null>();
  const frame = (node: CallNode): FrameData => {
    const f: FrameData = {
      name: node.name, value: node.time_s, native: native(node), file: node.file, line: node.line,
      lib: isLibrary(node.file), merged: "merged" in node, children: [], node,
    };
    if (diff) f.delta = delta(node);
    shown.set(node, f);
    return f;
  };
  const adopt = (parent: FrameData, child: FrameData): void => {
    parent.children.push(child);
    if (diff) parent.delta = parent.delta! - delta(child.node);
  };
  const root = frame(path[0]);
  let focus = root;
  for (const node of path.slice(1)) {
    focus.fade = true;
    for (const c of kids(focus.node)) shown.set(c, null);
    const f = frame(node);
    adopt(focus, f);
    focus = f;
  }
  const unit = (focus.value * minPx) / width;
  const stack = [focus];
  while (stack.length) {
    const parent = stack.pop()!;
    const narrow: CallNode[] = [];
    for (const c of kids(parent.node)) {
      if (c.time_s < unit || c.time_s <= 0) {
        narrow.push(c);
        continue;
      }
      const f = frame(c);
      adopt(parent, f);
      stack.push(f);
    }
    // the narrow children together, when as wide as a frame; else they show as the parent's own time
    const m = merge(narrow);
    if (m.time_s < unit || m.time_s <= 0) continue;
    const f = frame(m);
    for (const c of narrow) shown.set(c, f);
    adopt(parent, f);
  }
  return { root, shown };
}

export interface SearchResult {
  /** the frames drawn for the matching nodes */
  marks: Set<FrameData>;
  count: number;
  /** time in matching nodes, not counting those inside another match */
  time: number;
}

/** Every node of the tree whose name contains `term` (case-insensitive), marked by the frame that shows it. */
export function searchTree(tree: CallNode, term: string, shown: VisibleFrames["shown"]): SearchResult {
  const needle = term.toLowerCase();
  const result: SearchResult = { marks: new Set(), count: 0, time: 0 };
  const stack: [CallNode, FrameData | null, boolean][] = [[tree, null, false]];
  while (stack.length) {
    const [node, outer, inMatch] = stack.pop()!;
    const own = shown.get(node);
    const frame = own === undefined ? outer : own;
    const match = node.name.toLowerCase().includes(needle);
    if (match) {
      result.count++;
      if (!inMatch) result.time += node.time_s;
      if (frame) result.marks.add(frame);
    }
    for (const c of kids(node)) stack.push([c, frame, inMatch || match]);
  }
  return result;
}

/** The path from the root to the heaviest node named `name` (in `file` when given), or null. */
export function heaviestPath(tree: CallNode, name: string, file?: string): CallNode[] | null {
  let best: CallNode[] | null = null;
  const path: CallNode[] = [];
  const stack: [CallNode, number][] = [[tree, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    path.length = depth;
    path.push(node);
    if (node.name === name && (!file || node.file === file) && (!best || node.time_s > best[best.length - 1].time_s)) best = [...path];
    for (const c of kids(node)) stack.push([c, depth + 1]);
  }
  return best;
}

"""Merging profiles of repeated runs of the same code into one Profile (pure functions).

Times add up (per line, per tree node, per thread), run times are concatenated, peaks
take the maximum, and the merged tree is pruned to the same node cap as a single run,
with every kept node's total exact.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from .engines.aggregate import MAX_TREE_NODES, prune_tree
from .model import GCStats, LineStat, Memory, Profile, Suggestion, ThreadProfile, TorchOp, TorchSection, TreeNode
from .stats import timing_from_runs

TIMELINE_POINTS = 2_000


def merge_profiles(profiles: Sequence[Profile]) -> Profile:
    """One Profile for several runs (the first run's cell, meta and views-only fields lead)."""
    if not profiles:
        raise ValueError("nothing to merge")
    first = profiles[0]
    runs = [r for p in profiles for r in p.timing.runs_s]
    merged = Profile(
        cell=copy.deepcopy(first.cell),
        timing=timing_from_runs(runs, sum(p.timing.cpu_s for p in profiles), warmup=sum(p.timing.warmup for p in profiles)),
        lines=merge_lines([p.lines for p in profiles]),
        tree=merge_trees([p.tree for p in profiles if p.tree is not None]),
        memory=_merge_memory(profiles),
        torch=_merge_torch([p.torch for p in profiles if p.torch is not None]),
        gpu=copy.deepcopy(next((p.gpu for p in profiles if p.gpu is not None), None)),
        suggestions=_unique_suggestions(profiles),
        gc=GCStats(
            collections=[sum(p.gc.collections[i] for p in profiles) for i in range(3)],
            time_s=sum(p.gc.time_s for p in profiles),
            max_pause_s=max(p.gc.max_pause_s for p in profiles),
        ),
        threads=_merge_threads(profiles),
        meta=copy.deepcopy(first.meta),
    )
    merged.meta.samples = sum(p.meta.samples for p in profiles)
    merged.meta.engines = list(dict.fromkeys(e for p in profiles for e in p.meta.engines))
    merged.meta.errors = list(dict.fromkeys(e for p in profiles for e in p.meta.errors))
    return merged


def _add_optional(a: int | float | None, b: int | float | None) -> int | float | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def merge_lines(groups: Sequence[Sequence[LineStat]]) -> list[LineStat]:
    """Lines keyed by where they are (origin, cell, file, line): times and counts add up."""
    merged: dict[tuple[str, int | None, str, int], LineStat] = {}
    for lines in groups:
        for stat in lines:
            key = (stat.origin, stat.cell, stat.file, stat.line)
            kept = merged.get(key)
            if kept is None:
                merged[key] = copy.copy(stat)
                continue
            kept.time_s += stat.time_s
            kept.native_s += stat.native_s
            kept.cpu_s += stat.cpu_s
            kept.hits = _add_optional(kept.hits, stat.hits)  # type: ignore[assignment]
            kept.alloc_bytes = _add_optional(kept.alloc_bytes, stat.alloc_bytes)  # type: ignore[assignment]
    return sorted(merged.values(), key=lambda s: (s.origin != "cell", s.cell or 0, s.file, s.line))


def merge_trees(trees: Sequence[TreeNode], max_nodes: int = MAX_TREE_NODES) -> TreeNode | None:
    """Call trees merged node by node (children matched by name, file and line), then pruned."""
    if not trees:
        return None
    root = _shallow(trees[0])
    for tree in trees:
        root.time_s += tree.time_s
        root.self_s += tree.self_s
        root.native_s += tree.native_s
        stack = [(tree, root)]
        while stack:
            source, target = stack.pop()
            index = {(c.name, c.file, c.line): c for c in target.children}
            for child in source.children:
                key = (child.name, child.file, child.line)
                into = index.get(key)
                if into is None:
                    into = index[key] = _shallow(child)
                    target.children.append(into)
                into.time_s += child.time_s
                into.self_s += child.self_s
                into.native_s += child.native_s
                stack.append((child, into))
    for node in root.walk():
        node.children.sort(key=lambda c: c.time_s, reverse=True)
    return prune_tree(root, max_nodes)


def _shallow(node: TreeNode) -> TreeNode:
    return TreeNode(name=node.name, file=node.file, line=node.line, time_s=0.0, self_s=0.0, cell=node.cell)


def _merge_memory(profiles: Sequence[Profile]) -> Memory:
    traced = [p.memory.traced_peak_bytes for p in profiles if p.memory.traced_peak_bytes is not None]
    timeline: list[list[float]] = []
    offset = 0.0
    for p in profiles:  # one run after another on a shared time axis
        timeline.extend([t + offset, v] for t, v in p.memory.timeline)
        offset += p.timing.wall_s
    while len(timeline) > TIMELINE_POINTS:
        timeline = timeline[::2]
    return Memory(
        rss_peak_bytes=max(p.memory.rss_peak_bytes for p in profiles),
        traced_peak_bytes=max(traced) if traced else None,
        timeline=timeline,
        rss_start_bytes=profiles[0].memory.rss_start_bytes,
        rss_end_bytes=profiles[-1].memory.rss_end_bytes,
    )


def _merge_torch(sections: Sequence[TorchSection]) -> TorchSection | None:
    if not sections:
        return None
    ops: dict[tuple[str, str], TorchOp] = {}
    for section in sections:
        for op in section.ops:
            kept = ops.get((op.name, op.shapes))
            if kept is None:
                ops[(op.name, op.shapes)] = copy.copy(op)
                continue
            kept.count += op.count
            kept.self_s += op.self_s
            kept.device_s += op.device_s
            kept.flops = _add_optional(kept.flops, op.flops)  # type: ignore[assignment]
    peaks = [s.device_memory_peak_bytes for s in sections if s.device_memory_peak_bytes is not None]
    flops = [s.flops for s in sections if s.flops is not None]
    return TorchSection(
        device=sections[0].device,
        ops=sorted(ops.values(), key=lambda o: o.self_s, reverse=True),
        flops=sum(flops) if flops else None,
        device_memory_peak_bytes=max(peaks) if peaks else None,
        syncs=sum(s.syncs for s in sections),
    )


def _unique_suggestions(profiles: Sequence[Profile]) -> list[Suggestion]:
    seen: set[tuple[str, tuple[int, ...]]] = set()
    out = []
    for p in profiles:
        for s in p.suggestions:
            key = (s.rule, tuple(s.lines))
            if key not in seen:
                seen.add(key)
                out.append(copy.deepcopy(s))
    return out


def _merge_threads(profiles: Sequence[Profile]) -> list[ThreadProfile]:
    by_name: dict[str, list[ThreadProfile]] = {}
    for p in profiles:
        for t in p.threads:
            by_name.setdefault(t.name, []).append(t)
    return [
        ThreadProfile(
            name=name,
            ident=group[0].ident,
            time_s=sum(t.time_s for t in group),
            cpu_s=sum(t.cpu_s for t in group),
            lines=merge_lines([t.lines for t in group]),
            tree=merge_trees([t.tree for t in group if t.tree is not None]),
        )
        for name, group in by_name.items()
    ]

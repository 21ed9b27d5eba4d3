"""A Scalene JSON profile (``scalene run -o profile.json``, ``--json``) as a perfnb profile.

Scalene reports, per line, shares of the elapsed time spent in Python, in native code
("C") and in the system; perfnb's line time is their sum and its native time the
C and system shares; CPU time is the total of the lines. Scalene's call stacks ("stacks", sample counts) become the call
tree, spread over the time the lines account for. Memory (when Scalene measured it)
is its peak footprint and per-line allocation.
"""

from __future__ import annotations

from typing import Any

from ..engines.aggregate import MAX_TREE_NODES, prune_tree
from ..model import CellInfo, LineStat, Memory, Meta, Profile, TreeNode
from ..stats import timing_from_runs

MB = 1024 * 1024


def from_scalene(data: dict[str, Any], elapsed_s: float | None = None) -> Profile:
    """``elapsed_s``: spread Scalene's shares of time over this wall time instead of the
    run's own (%%perf --engine scalene: the cell's run in the kernel, for Scalene's copy)."""
    elapsed = float(data["elapsed_time_sec"]) if elapsed_s is None else elapsed_s
    program = str(data.get("program") or "scalene profile")
    lines: list[LineStat] = []
    profiled_share = 0.0
    for file, entry in (data.get("files") or {}).items():
        profiled_share += float(entry.get("percent_cpu_time") or 0.0) / 100.0
        functions = {int(f["lineno"]): str(f["line"]) for f in entry.get("functions") or []}
        for row in entry.get("lines") or []:
            python = float(row.get("n_cpu_percent_python") or 0.0)
            native = float(row.get("n_cpu_percent_c") or 0.0) + float(row.get("n_sys_percent") or 0.0)
            malloc_mb = float(row.get("n_malloc_mb") or 0.0)
            if python + native <= 0 and malloc_mb <= 0:
                continue
            lines.append(LineStat(
                origin="file", cell=None, file=file, line=int(row["lineno"]), code=str(row.get("line", "")).strip(),
                time_s=(python + native) / 100.0 * elapsed, native_s=native / 100.0 * elapsed,
                alloc_bytes=round(malloc_mb * MB) if data.get("memory") else None,
                function=functions.get(int(row.get("start_function_line") or 0), ""),
            ))
    peak = float(data.get("max_footprint_mb") or 0.0)
    return Profile(
        cell=CellInfo(None, program),
        timing=timing_from_runs([elapsed], sum(stat.time_s for stat in lines)),
        lines=lines,
        tree=_tree(data.get("stacks") or [], program, min(1.0, profiled_share) * elapsed),
        memory=Memory(rss_peak_bytes=0, traced_peak_bytes=round(peak * MB) if data.get("memory") else None),
        meta=Meta(engines=["scalene (imported)"]),
    )


def parse_frame(text: str) -> tuple[str, str, int]:
    """(function, file, line) of a Scalene stack frame ``'/path/file.py func:12;'``."""
    text = text.rstrip(";")
    file, _, rest = text.rpartition(" ")
    name, _, line = rest.rpartition(":")
    return name, file, int(line) if line.isdigit() else 0


def _tree(stacks: list[Any], program: str, total_s: float) -> TreeNode | None:
    counted = [(frames, float(info.get("count") or 0)) for frames, info in stacks]
    samples = sum(count for _, count in counted)
    if samples <= 0:
        return None
    root = TreeNode(name=program, file="", line=0, time_s=0.0, self_s=0.0)
    index: dict[int, dict[tuple[str, str], TreeNode]] = {}
    for frames, count in counted:
        seconds = count / samples * total_s
        root.time_s += seconds
        node = root
        for frame in frames:
            name, file, line = parse_frame(frame)
            child = index.setdefault(id(node), {}).get((name, file))
            if child is None:
                child = TreeNode(name=name, file=file, line=line, time_s=0.0, self_s=0.0)
                index[id(node)][(name, file)] = child
                node.children.append(child)
            child.time_s += seconds
            node = child
        node.self_s += seconds
    for each in root.walk():
        each.children.sort(key=lambda c: c.time_s, reverse=True)
    return prune_tree(root, MAX_TREE_NODES)

"""Turns sampled stacks into per-line times and a call tree (pure functions)."""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from types import CodeType
from typing import Any

from ..model import LineStat, TreeNode
from ..sources import SourceMap

Stacks = dict[tuple[Any, ...], list[float]]
MAX_FILE_LINES = 300
MAX_TREE_NODES = 3_000
MAX_TREE_DEPTH = 200  # deeper frames (deep recursion) are charged to the node at this depth


def line_stats(stacks: Stacks, sources: SourceMap) -> list[LineStat]:
    """Inclusive time per source line: a line is charged every sample it is on the stack.

    Recursion charges a line once per sample. Cell lines are all kept; library and
    file lines only the ``MAX_FILE_LINES`` hottest.
    """
    totals: dict[tuple[str, int], list[float]] = {}
    functions: dict[tuple[str, int], str] = {}
    for parts, (wall, native, cpu) in stacks.items():
        seen: set[tuple[str, int]] = set()
        for code, lineno in _frames(parts):
            key = (code.co_filename, lineno)
            if key in seen:
                continue
            seen.add(key)
            acc = totals.get(key)
            if acc is None:
                totals[key] = [wall, native, cpu]
                functions[key] = "" if code.co_name == "<module>" else qualname(code)
            else:
                acc[0] += wall
                acc[1] += native
                acc[2] += cpu
    cell_lines: list[LineStat] = []
    file_lines: list[LineStat] = []
    for (filename, lineno), (wall, native, cpu) in totals.items():
        location = sources.locate(filename)
        stat = LineStat(
            origin="cell" if location.origin == "cell" else "file",
            cell=location.cell,
            file=location.file,
            line=lineno,
            code=sources.line(filename, lineno),
            time_s=wall,
            native_s=min(native, wall),
            cpu_s=min(cpu, wall) if cpu > 0 else 0.0,
            function=functions[(filename, lineno)],
        )
        (cell_lines if stat.origin == "cell" else file_lines).append(stat)
    file_lines = heapq.nlargest(MAX_FILE_LINES, file_lines, key=lambda s: s.time_s)
    return sorted(cell_lines + file_lines, key=lambda s: (s.origin != "cell", s.cell or 0, s.file, s.line))


def call_tree(stacks: Stacks, sources: SourceMap, root_name: str, outside_s: float = 0.0) -> TreeNode | None:
    """The call tree (by function), rooted at the profiled region, with self and total times."""
    if not stacks and outside_s <= 0:
        return None
    root = TreeNode(name=root_name, file=root_name, line=1, time_s=0.0, self_s=0.0)
    index: dict[int, dict[tuple[str, str, int], TreeNode]] = {}
    for parts, (wall, native, _cpu) in stacks.items():
        frames = list(_frames(parts))
        frames.reverse()  # root first
        root.time_s += wall
        root.native_s += native
        node = root
        for depth, (code, _lineno) in enumerate(frames[:MAX_TREE_DEPTH]):
            if depth == 0 and code.co_name == "<module>":
                continue  # the cell itself is the root
            node = _child(node, code, sources, index)
            node.time_s += wall
            node.native_s += native
        node.self_s += wall
    if outside_s > 0:
        ipython = TreeNode(name="(IPython: compile, display)", file="", line=0, time_s=outside_s, self_s=outside_s)
        root.children.append(ipython)
        root.time_s += outside_s
    for node in root.walk():
        node.children.sort(key=lambda c: c.time_s, reverse=True)
        node.self_s = max(0.0, node.self_s)
    return prune_tree(root, MAX_TREE_NODES)


def _child(
    parent: TreeNode, code: CodeType, sources: SourceMap, index: dict[int, dict[tuple[str, str, int], TreeNode]]
) -> TreeNode:
    key = (code.co_filename, qualname(code), code.co_firstlineno)
    children = index.setdefault(id(parent), {})
    node = children.get(key)
    if node is None:
        location = sources.locate(code.co_filename)
        node = TreeNode(
            name=qualname(code),
            file=location.file,
            line=code.co_firstlineno,
            time_s=0.0,
            self_s=0.0,
            cell=location.cell,
        )
        children[key] = node
        parent.children.append(node)
    return node


def prune_tree(root: TreeNode, max_nodes: int) -> TreeNode:
    """Keep the ``max_nodes`` heaviest nodes; the rest of each parent's children fold into one
    ``[other]`` node, so every kept node's total stays exact."""
    kept = {id(root)}
    heap: list[tuple[float, int, TreeNode]] = []
    counter = 0
    for child in root.children:
        heapq.heappush(heap, (-child.time_s, counter, child))
        counter += 1
    while heap and len(kept) < max_nodes:
        _, _, node = heapq.heappop(heap)
        kept.add(id(node))
        for child in node.children:
            heapq.heappush(heap, (-child.time_s, counter, child))
            counter += 1
    for node in root.walk():
        if id(node) not in kept:
            continue
        dropped = [c for c in node.children if id(c) not in kept]
        if dropped:
            node.children = [c for c in node.children if id(c) in kept]
            other_time = sum(c.time_s for c in dropped)
            other = TreeNode(name="[other]", file="", line=0, time_s=other_time, self_s=other_time)
            other.native_s = sum(c.native_s for c in dropped)
            node.children.append(other)
    return root


def qualname(code: CodeType) -> str:
    """The function's qualified name (co_qualname is new in Python 3.11)."""
    return str(getattr(code, "co_qualname", code.co_name))


def _frames(parts: tuple[Any, ...]) -> Iterable[tuple[CodeType, int]]:
    """(code, lineno) pairs of a flat stack key, leaf first."""
    return zip(parts[0::2], parts[1::2], strict=True)

"""A marshal file that ``pstats.Stats(path)`` (and snakeviz, gprof2dot) load.

pstats wants, per function, call counts, total (self) time, cumulative time and its
callers. A sampler measures no call counts: each count here is the number of distinct
call paths the function was seen on. Cumulative time counts a recursive function once
per path (its outermost frame), as cProfile does.
"""

from __future__ import annotations

import marshal

from ..model import TreeNode
from .stacks import Labelled, tree_of

Func = tuple[str, int, str]
Entry = list[float]  # cc, nc, tt, ct


def to_pstats(profiles: list[Labelled]) -> bytes:
    stats: dict[Func, Entry] = {}
    callers: dict[Func, dict[Func, Entry]] = {}
    for label, profile in profiles:
        root = tree_of(profile, label)
        todo: list[tuple[TreeNode, Func | None, frozenset[Func]]] = [(root, None, frozenset())]
        while todo:
            node, parent, on_path = todo.pop()
            func = (node.file or "~", node.line, node.name)
            outer = func not in on_path
            _add(stats.setdefault(func, [0, 0, 0.0, 0.0]), node, outer)
            if parent is not None:
                _add(callers.setdefault(func, {}).setdefault(parent, [0, 0, 0.0, 0.0]), node, outer)
            for child in node.children:
                todo.append((child, func, on_path | {func}))
    table = {
        func: (int(e[0]), int(e[1]), e[2], e[3], {c: (int(v[0]), int(v[1]), v[2], v[3]) for c, v in callers.get(func, {}).items()})
        for func, e in stats.items()
    }
    return marshal.dumps(table)


def _add(entry: Entry, node: TreeNode, outermost: bool) -> None:
    entry[0] += 1
    entry[1] += 1
    entry[2] += node.self_s
    if outermost:
        entry[3] += node.time_s

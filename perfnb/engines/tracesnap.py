"""Snapshots of tracemalloc's live blocks, grouped by traceback, and their charge per line.

A snapshot is the bytes and block count of every distinct allocation traceback
alive at one moment. ``charge`` turns snapshots into bytes per source line: a block
is charged to every line of its traceback from the allocating line out to the
outermost cell line (so a cell line that calls a function is charged what the
function allocated, as the sampler charges time). Blocks without a cell frame
(IPython's own, perfnb's threads) and blocks perfnb allocated on top of a cell
frame (the sampler's signal handler) are left out.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# A raw tracemalloc traceback: ((filename, lineno), ...), most recent call first.
Traceback = tuple[tuple[str, int], ...]
Line = tuple[str, int]

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


@dataclass
class Snapshot:
    t_s: float
    traced_bytes: int
    # traceback -> [bytes, blocks, 1 when the stack was deeper than the traceback kept]
    blocks: dict[Traceback, list[int]] = field(default_factory=dict)


def take(t_s: float) -> Snapshot:
    """The live traced blocks now, grouped by traceback.

    ``tracemalloc._get_traces`` (what ``take_snapshot`` calls) does not trace the
    list it builds, so taking a snapshot does not move the traced peak. The grouping
    loop allocates nothing per block: while tracemalloc runs, every object allocated
    costs a traceback, and a loop that made an int per block (a size sum, an id) took
    seconds over a few hundred thousand blocks.
    """
    import tracemalloc

    traced, _peak = tracemalloc.get_traced_memory()
    limit = tracemalloc.get_traceback_limit()  # a stack no deeper than this was kept whole
    raw: list[tuple[Any, ...]] = tracemalloc._get_traces()  # type: ignore[attr-defined]
    sizes: dict[Traceback, list[int]] = {}
    deep: set[Traceback] = set()
    for _domain, size, traceback, depth in raw:  # depth: frames in the whole stack
        group = sizes.get(traceback)
        if group is None:
            sizes[traceback] = [size]
        else:
            group.append(size)
        if depth > limit:
            deep.add(traceback)
    del raw
    blocks = {traceback: [sum(group), len(group), int(traceback in deep)] for traceback, group in sizes.items()}
    return Snapshot(t_s, traced, blocks)


class Charger:
    """Which lines a traceback is charged to (cached per traceback)."""

    def __init__(self, is_cell: Callable[[str], bool]) -> None:
        self._is_cell = is_cell
        self._cell_files: dict[str, bool] = {}
        self._cache: dict[Traceback, tuple[Line, ...]] = {}
        self.functions: dict[Line, str] = {}

    def _cell(self, filename: str) -> bool:
        known = self._cell_files.get(filename)
        if known is None:
            known = self._cell_files[filename] = self._is_cell(filename)
        return known

    def lines(self, traceback: Traceback) -> tuple[Line, ...]:
        cached = self._cache.get(traceback)
        if cached is not None:
            return cached
        outermost = -1
        own = False
        for i, (filename, _lineno) in enumerate(traceback):
            if self._cell(filename):
                outermost = i
            elif outermost < 0 and filename.startswith(PACKAGE_DIR):
                own = True  # perfnb allocated this on top of the user's frame
        charged: tuple[Line, ...] = ()
        if outermost >= 0 and not own:
            seen: dict[Line, None] = {}
            for frame in traceback[: outermost + 1]:
                if frame[1] > 0:  # line 0: a frame that has not reached its first line yet
                    seen[(frame[0], int(frame[1]))] = None
            charged = tuple(seen)
        self._cache[traceback] = charged
        return charged

    def total(self, snapshot: Snapshot) -> int:
        """Bytes of the blocks charged to any line (each block once)."""
        return sum(size for traceback, (size, _count, _deep) in snapshot.blocks.items() if self.lines(traceback))

    def too_deep(self, snapshot: Snapshot) -> int:
        """Bytes whose traceback was cut before reaching any cell line (allocated deep in a library)."""
        return sum(
            size
            for traceback, (size, _count, deep) in snapshot.blocks.items()
            if deep and not self.lines(traceback) and not any(f[0].startswith(PACKAGE_DIR) for f in traceback)
        )

    def per_line(self, snapshot: Snapshot) -> dict[Line, list[int]]:
        """Bytes and blocks held by each line in one snapshot."""
        totals: dict[Line, list[int]] = {}
        for traceback, (size, count, _deep) in snapshot.blocks.items():
            for line in self.lines(traceback):
                acc = totals.get(line)
                if acc is None:
                    totals[line] = [size, count]
                else:
                    acc[0] += size
                    acc[1] += count
        return totals


@dataclass
class LineMemory:
    most_bytes: int = 0
    most_count: int = 0
    peak_bytes: int = 0
    retained_bytes: int = 0


def line_memory(
    charger: Charger, growth: list[Snapshot], end: Snapshot, baseline: Snapshot | None
) -> dict[Line, LineMemory]:
    """Per line: the most it held in any snapshot, what it held in the snapshot nearest the
    traced peak, and what it still held at the end — each less what it held before the run."""
    before = charger.per_line(baseline) if baseline is not None else {}

    def held(snapshot: Snapshot) -> dict[Line, list[int]]:
        totals = charger.per_line(snapshot)
        for line, (size, count) in before.items():
            acc = totals.get(line)
            if acc is not None:
                acc[0] -= size
                acc[1] -= count
        return totals

    result: dict[Line, LineMemory] = {}
    snapshots = [*growth, end]
    at_peak = max(snapshots, key=lambda s: s.traced_bytes)
    for snapshot in snapshots:
        for line, (size, count) in held(snapshot).items():
            memory = result.get(line)
            if memory is None:
                memory = result[line] = LineMemory()
            if size > memory.most_bytes:
                memory.most_bytes, memory.most_count = size, max(count, 0)
            if snapshot is at_peak:
                memory.peak_bytes = max(size, 0)
            if snapshot is end:
                memory.retained_bytes = size
    return result

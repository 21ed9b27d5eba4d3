"""``--memory``: per-line memory through tracemalloc.

tracemalloc records every block Python (and NumPy, whose buffers it reports) allocates,
with the traceback of its allocation. A small poller thread reads the traced total
every few milliseconds (the memory timeline) and, each time memory has grown by a
good step since the last low point, groups the live blocks by traceback (a
snapshot). The snapshots taken on the way up, the one nearest the traced peak and
the one taken at the end give, per line: the most it held at once, what it held at
the peak and what it still held at the end (the retained-memory hint).

Snapshots cost time in proportion to the live blocks, so they are rationed to a
share of the run: one is taken only when its cost, predicted from the last one's
cost per byte of tracemalloc's own tables, still fits the share. (Rationing on the
time spent so far let one snapshot of a large heap, due after a cheap early one,
take a fifth of a float-heavy run.)

Frames: tracemalloc stores, per block, the innermost ``NFRAMES`` frames of its
allocation, and its cost grows with every frame it records — steeply so for the
frames below the cell, which are IPython's large coroutines. Three frames cover a
cell line that allocates (``np.zeros``, ``a @ b``, a list display), one that calls a
NumPy function, and one that calls a notebook function whose comprehension
allocates; a block allocated deeper (inside pandas, say) is counted in the traced
peak and named in a note, but not charged to a cell line.

tracemalloc is started and stopped only when the user had not started it; when
they had, it is left on with their settings (and the profile says so).
"""

from __future__ import annotations

import threading
import time
from array import array

from ..model import Profile
from ..sources import SourceMap
from .linetable import LineTable
from .tracesnap import Charger, Snapshot, line_memory, take

NFRAMES = 3  # the allocating line and two callers: see "Frames" in the module docstring
POLL_S = 0.005
GROWTH = 1.10  # snapshot when memory rose 10% (and at least MIN_GROWTH_BYTES) above the last low
MIN_GROWTH_BYTES = 1 << 20
SNAPSHOT_SHARE = 0.10  # snapshots may take at most this share of the run's time
TIMELINE_POINTS = 2_000
MAX_FILE_LINES = 200
DEEP_NOTE_BYTES = 1_000_000


class _Poller(threading.Thread):
    def __init__(self, engine: TracedMemory) -> None:
        super().__init__(name="perfnb-memory-poller", daemon=True)
        self._engine = engine
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(POLL_S):
            self._engine.poll()

    def halt(self) -> None:
        self._halt.set()
        self.join(timeout=5.0)


class TracedMemory:
    name = "memory"

    def __init__(self, nframes: int = NFRAMES) -> None:
        self._nframes = nframes
        self._started_tracing = False
        self._running = False
        self._done = False
        self._lock = threading.Lock()
        self._poller: _Poller | None = None
        self._t0 = 0.0
        self._low = 0
        self._peak = 0
        self._snapshot_s = 0.0
        # The last snapshot's cost per byte of tracemalloc's tables (the first snapshot is free).
        self._snapshot_s_per_byte = 0.0
        self._every = POLL_S
        self._last_point = 0.0
        # Seconds and bytes, kept as raw doubles: see poll().
        self._times = array("d")
        self._bytes = array("d")
        self.growth: list[Snapshot] = []
        self.baseline: Snapshot | None = None
        self.end: Snapshot | None = None
        self.notes: list[str] = []

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> None:
        import tracemalloc

        if tracemalloc.is_tracing():
            self.notes.append(
                f"tracemalloc was already on ({tracemalloc.get_traceback_limit()} frames); perfnb left it on, "
                "and the traced peak may predate this cell"
            )
            self._nframes = tracemalloc.get_traceback_limit()
            self.baseline = take(0.0)
        else:
            tracemalloc.start(self._nframes)
            self._started_tracing = True
        self._t0 = time.perf_counter()
        current, self._peak = tracemalloc.get_traced_memory()
        self._low = current
        self._times.append(0.0)
        self._bytes.append(current)
        self._running = True
        self._poller = _Poller(self)
        self._poller.start()

    def stop(self) -> None:
        """Stop polling, take the last snapshot and stop tracemalloc if perfnb started it (idempotent)."""
        if self._done:
            return
        self._done = True
        self._running = False
        if self._poller is not None:
            self._poller.halt()
        import tracemalloc

        try:
            if tracemalloc.is_tracing():
                self.end = take(time.perf_counter() - self._t0)
                current, peak = tracemalloc.get_traced_memory()
                self._peak = max(self._peak, peak)
                self._times.append(self.end.t_s)
                self._bytes.append(current)
            else:
                self.notes.append("the cell stopped tracemalloc; memory per line is incomplete")
        finally:
            if self._started_tracing and tracemalloc.is_tracing():
                tracemalloc.stop()
            self._started_tracing = False

    # -- the poller (its own thread) ----------------------------------------
    def poll(self) -> None:
        """Read the traced total; add a timeline point and take a snapshot when due.

        The poller keeps no new Python object per poll (the timeline is two arrays of
        doubles). An object it kept would come from an interpreter free list (floats,
        lists, tuples), and the block the cell's thread allocates to refill that list is
        traced: CPython then recomputes the traceback of every object later reused from
        it, which made float-heavy code several times slower than under tracemalloc alone.
        """
        import tracemalloc

        with self._lock:
            if not self._running or not tracemalloc.is_tracing():
                return
            now = time.perf_counter() - self._t0
            current, peak = tracemalloc.get_traced_memory()
            self._peak = max(self._peak, peak)
            if now - self._last_point >= self._every:
                self._last_point = now
                self._times.append(now)
                self._bytes.append(current)
                if len(self._times) > TIMELINE_POINTS:
                    self._times, self._bytes = self._times[::2], self._bytes[::2]
                    self._every *= 2
            self._low = min(self._low, current)
            grew = current >= max(self._low * GROWTH, self._low + MIN_GROWTH_BYTES)
            if grew:
                tables = tracemalloc.get_tracemalloc_memory()  # grows with the live blocks
                if self._snapshot_s + tables * self._snapshot_s_per_byte <= SNAPSHOT_SHARE * now:
                    started = time.perf_counter()
                    self.growth.append(take(now))
                    took = time.perf_counter() - started
                    self._snapshot_s += took
                    self._snapshot_s_per_byte = took / tables
                    self._low = current

    # -- results ------------------------------------------------------------
    def contribute(self, profile: Profile, sources: SourceMap) -> None:
        profile.meta.errors.extend(self.notes)
        if self.end is None:
            return
        table = LineTable(profile, sources)
        charger = Charger(table.is_cell)
        memory = line_memory(charger, self.growth, self.end, self.baseline)
        kept = [(line, m) for line, m in memory.items() if table.is_cell(line[0])]
        others = [(line, m) for line, m in memory.items() if not table.is_cell(line[0]) and m.most_bytes > 0]
        others.sort(key=lambda item: item[1].most_bytes, reverse=True)
        for (filename, lineno), m in kept + others[:MAX_FILE_LINES]:
            stat = table.get(filename, lineno)
            stat.alloc_bytes = m.most_bytes
            stat.alloc_count = m.most_count
            stat.peak_bytes = m.peak_bytes
            stat.retained_bytes = m.retained_bytes
        table.finish()
        peak_snapshot = max([*self.growth, self.end], key=lambda snap: snap.traced_bytes)
        deep = charger.too_deep(peak_snapshot)
        if deep >= DEEP_NOTE_BYTES:
            profile.meta.errors.append(
                f"{deep / 1e6:.1f} MB held at the peak was allocated more than {self._nframes - 1} call(s) below a "
                "notebook line (inside a library): counted in the traced peak, not charged to a cell line"
            )
        retained = charger.total(self.end) - (charger.total(self.baseline) if self.baseline is not None else 0)
        profile.memory.traced_peak_bytes = max(self._peak, 0)
        profile.memory.traced_timeline = [[t, b] for t, b in zip(self._times, self._bytes, strict=True)]
        profile.memory.retained_bytes = retained

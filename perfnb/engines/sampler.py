"""The default engine: a wall-clock statistical sampler driven by SIGALRM.

Each tick charges the time elapsed since the previous tick to the main thread's
current stack. A Python signal handler only runs between bytecodes, so while the
main thread is inside native code (a NumPy matrix product, a torch kernel) the
handler waits; when it finally runs, the whole wait is charged to the Python line
that made the native call. The wait — from the moment the timer fired to the
moment the handler ran — is recorded as that line's native time.

Samples are aggregated as they arrive into a dict keyed by the stack, so memory
stays bounded by the number of distinct stacks, not by the cell's duration.
"""

from __future__ import annotations

import _thread
import bisect
import dis
import functools
import gc
import itertools
import os
import resource
import signal
import sys
import threading
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from types import CodeType, FrameType
from typing import Any

from ..model import GCStats, LineStat, Memory, Profile, ThreadProfile, TreeNode
from ..sources import SourceMap, cell_label
from .aggregate import call_tree, line_stats, prune_tree
from .codeids import CodeIds

# A stack is a flat tuple (code, lineno, code, lineno, ...) from the leaf frame
# to the root frame; its value is [wall_s, native_s, cpu_s]. While sampling, a stack
# holds (id(code), f_lasti) pairs instead: a code object is slow to hash (its hash
# covers its name, constants and names) and a running frame's f_lineno scans the line
# table from the start (about 1 us a frame), where ids and instruction offsets cost
# nothing (codeids.py). ``_Codes`` turns the keys into (code, line) pairs once, at the end.
Stack = tuple[Any, ...]
Weights = list[float]

MAX_STACKS = 100_000
MIN_THREAD_CPU_S = 0.002
GIL_FREE_S = 0.0005  # the watcher got the GIL this quickly: the main thread was not holding it
IDLE_WATCH_S = 0.02  # the native watcher's period while no tick has come late
ARMED_S = 0.5  # how long a late tick keeps the watcher looking every few intervals
LATE_TICK_SHARE = 0.25  # a tick later than this share of the interval arms the watcher
# The share of the interval a tick's own CPU time may take; a costlier tick (deep stacks) widens it.
# A tick costs more than that CPU time: the cell's work afterwards runs on caches the handler
# refilled, and a tick runs cold itself (a 1 ms interval: ~25 us of CPU; 20-40 ms: ~100 us). On the
# reference machine (benchmarks/results/overhead.txt) ticks added 6-8 times the budget to the run
# time (interleaved runs against `-i 1000`, which takes no tick), and a cell of pure Python
# settles at an interval of 15-40 ms there.
TICK_BUDGET = 0.0035
RETUNE = 1.25  # the interval changes only when its target is this much longer or shorter
SETTLE_TICKS = 5  # the first ticks fill caches and cost more: their cost is not counted
# A tick's cost is averaged over the ticks counted so far, and over the last ~COST_TICKS once there
# are more: the interval reaches its level within a few ticks (an average smoothed from 0 reported
# under half the cost for ~10 ticks, each at a needlessly short interval).
COST_TICKS = 10
MAX_KEY_FRAMES = 128  # a deeper stack keeps its 64 leaf-most and 64 root-most frames
TIMELINE_POINTS = 2_000
# RSS is read at a tick at most this often: reading /proc/self/statm right after the cell's own
# work (cold caches) costs 10-25 us, a large share of a tick.
RSS_EVERY_S = 0.01
# Other threads are looked at every tenth tick and at least every THREADS_EVERY_S while any of
# them runs; while none has run since the last look the period doubles up to THREADS_IDLE_S (a
# kernel's seven idle threads cost 0.1-0.3 ms a look), and a change in the number of threads
# brings the next look forward. A thread's CPU time is read while it lives, so one that ends
# between two looks loses what it used after the first; one started during the run counts from 0.
THREADS_EVERY_S = 0.02
THREADS_IDLE_S = 0.32
# Bounds on what other threads can add: stacks kept per
# thread, threads followed, threads stored (the rest summed into one entry), and the stored
# JSON of the trees, so a long cell with many busy threads still stores well under 1 MB.
MAX_THREAD_STACKS = 10_000
MAX_THREADS = 256
SHOWN_THREADS = 8
THREAD_LINES = 40
TREE_BUDGET_BYTES = 600_000  # the main thread's call tree
THREAD_TREES_BUDGET_BYTES = 150_000  # all stored threads' trees together
TREE_INPUT_FRAMES = 15_000  # frames the call tree is built from (its unpruned size: ~1 KB a node)
SHALLOW_FRAMES = 8  # a stack past that budget keeps its root-most frames


class _Codes:
    """The code objects seen while sampling, by id, each with whether it is a profiled root."""

    def __init__(self, is_root: Callable[[CodeType], bool]) -> None:
        self._is_root = is_root
        self.roots: dict[int, bool] = {}
        self._codes = CodeIds()
        self.ident = self._codes.ident  # the id that stands for a code in a stack

    def add(self, code: CodeType) -> bool:
        """Remember ``code``; whether it is a root."""
        root = self.roots[self.ident(code)] = self._is_root(code)
        return root

    def resolve(self, stacks: dict[Stack, Weights]) -> dict[Stack, Weights]:
        """The same stacks keyed by (code, line) pairs; stacks that meet there are summed."""
        pairs: dict[tuple[int, int], tuple[CodeType, int]] = {}
        out: dict[Stack, Weights] = {}
        for key, weights in stacks.items():
            frames = list(zip(key[::2], key[1::2], strict=True))
            for frame in frames:
                if frame not in pairs:
                    code = self._codes[frame[0]]
                    pairs[frame] = (code, _line_at(code, frame[1]))
            _accumulate(out, tuple(itertools.chain.from_iterable(map(pairs.__getitem__, frames))), weights)
        return out


@dataclass
class ThreadSamples:
    name: str
    ident: int
    stacks: dict[Stack, Weights] = field(default_factory=dict)
    cpu_start: float = 0.0
    cpu_s: float = 0.0
    last_key: Stack | None = None  # the stack seen last, kept while the thread does not run


THREAD_CLOCKS = hasattr(time, "pthread_getcpuclockid")  # whether a thread's CPU time can be read


def _thread_cpu(ident: int) -> float:
    """CPU seconds used by a thread so far (0 where the platform cannot tell)."""
    try:
        return time.clock_gettime(time.pthread_getcpuclockid(ident))
    except (AttributeError, OSError):
        return 0.0


@dataclass
class SamplerResult:
    stacks: dict[Stack, Weights]
    outside_s: float
    samples: int
    interval_s: float
    threads: list[ThreadSamples]
    rss_timeline: list[list[float]]
    rss_start_bytes: int
    rss_end_bytes: int
    rss_peak_bytes: int
    gc_collections: list[int]
    gc_time_s: float
    gc_max_pause_s: float
    errors: list[str]


class _RssReader:
    """Resident set size from /proc/self/statm through one kept-open descriptor."""

    def __init__(self) -> None:
        self._page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
        try:
            self._fd: int | None = os.open("/proc/self/statm", os.O_RDONLY)
        except OSError:
            self._fd = None

    def read(self) -> int:
        if self._fd is None:
            return _max_rss_bytes()
        return int(os.pread(self._fd, 128, 0).split()[1]) * self._page

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _max_rss_bytes() -> int:
    """The process's lifetime peak RSS (ru_maxrss is in KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


class _GcTimer:
    """Counts collections per generation and the time spent in them, via gc.callbacks."""

    def __init__(self) -> None:
        self.collections = [0, 0, 0]
        self.time_s = 0.0
        self.max_pause_s = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        pause = time.perf_counter() - self._started
        self.time_s += pause
        self.max_pause_s = max(self.max_pause_s, pause)
        generation = info.get("generation", 0)
        if 0 <= generation < 3:
            self.collections[generation] += 1


class _NativeWatcher:
    """Finds the line the main thread is on while it runs native code.

    Native code that releases the GIL (BLAS, NumPy ufuncs, torch ops, I/O) lets
    this thread take the GIL at once when it wakes; it then records the main
    thread's stack. When the GIL comes late, the main thread was running Python
    (which the signal handler sees directly) and the observation is dropped.

    Each wake-up while the main thread runs Python costs a forced GIL switch, so the
    watcher looks often (every ``period_s``) only while it is armed — for ``ARMED_S``
    after a tick that came late, the sign of native code — and every ``IDLE_WATCH_S``
    otherwise, which still finds a long native call that no tick has seen yet.

    It runs on a bare ``_thread`` thread: ``threading.Thread.start()`` waits until the new
    thread runs and ``join()`` until it is gone, two thread switches that cost 0.3–0.4 ms
    each in a busy kernel, on every profiled cell. ``halt()`` only tells it to stop; it
    leaves within microseconds, and ``running_watchers()`` counts those not yet gone.
    """

    def __init__(self, sampler: Sampler, period_s: float) -> None:
        self._sampler = sampler
        self.period_s = period_s
        self.armed_until = 0.0
        self._stop = _thread.allocate_lock()
        self._stop.acquire()  # released by halt(); the thread's sleeps wait on it

    def _period(self) -> float:
        # Never slower than IDLE_WATCH_S, however wide the interval has grown: the watcher is
        # the only witness of native code that runs until its cell's code returns (Sampler._record).
        armed = time.perf_counter() < self.armed_until
        return min(self.period_s, IDLE_WATCH_S) if armed else IDLE_WATCH_S

    def start(self) -> None:
        with _LIVE_LOCK:
            _LIVE[0] += 1
        try:
            _thread.start_new_thread(self._run, ())
        except BaseException:
            _left()
            raise

    def _run(self) -> None:
        try:
            self._watch(self._sampler)
        finally:
            _left()

    def _watch(self, sampler: Sampler) -> None:
        main = sampler._main_ident
        period = self._period()
        expected = time.perf_counter() + period
        while not self._stop.acquire(timeout=period):
            now = time.perf_counter()
            if now - expected < GIL_FREE_S and not sampler._in_tick:  # never observe perfnb's own handler
                frame = sys._current_frames().get(main)
                own = frame is not None and frame.f_code.co_filename == __file__
                key = None if frame is None or own else sampler._stack_key(frame)
                if key is not None:
                    sampler._observations.append((now, key))
                # A frame held while this thread sleeps would keep the user's locals (a large
                # temporary array) alive after their function returned.
                frame = None
            period = self._period()
            expected = time.perf_counter() + period

    def halt(self) -> None:
        if self._stop.locked():
            self._stop.release()


_LIVE = [0]  # watcher threads started and not yet finished
_LIVE_LOCK = _thread.allocate_lock()


def _left() -> None:
    with _LIVE_LOCK:
        _LIVE[0] -= 1


def running_watchers(wait_s: float = 0.0) -> int:
    """How many native watchers are still running, after waiting up to ``wait_s`` for them to end."""
    deadline = time.perf_counter() + wait_s
    while _LIVE[0] and time.perf_counter() < deadline:
        time.sleep(0.001)
    return _LIVE[0]


class Sampler:
    """Samples the main thread (and, less often, the others) on a wall-clock timer.

    ``is_root`` says whether a code object is where the profiled region begins
    (the cell's module code); frames below it (IPython's machinery) are cut off.
    The interval starts at ``interval_s`` and, once the run is longer than
    ``adapt_after_samples`` ticks, grows with the elapsed time up to
    ``max_interval_s`` so long cells keep both overhead and storage small.
    """

    name = "sampler"

    def __init__(
        self,
        is_root: Callable[[CodeType], bool],
        interval_s: float = 0.001,
        max_interval_s: float = 0.05,
        adapt_after_samples: int = 1000,
        sample_threads: bool = True,
    ) -> None:
        if interval_s <= 0:
            raise ValueError("the sampling interval must be positive")
        self._codes = _Codes(is_root)
        self._base_interval = interval_s
        self._interval = interval_s
        self._max_interval = max(max_interval_s, interval_s)
        self._adapt_after = adapt_after_samples
        self._sample_threads = sample_threads
        # Each stack's [wall, native, cpu] sits at 3 * its index in one flat array: a list of
        # floats per new stack would keep float objects, and under --memory every float kept
        # drains the free list the cell's own floats reuse (each reuse then a traced allocation).
        self._stacks: dict[Stack, int] = {}
        self._weights = array("d")
        self._threads: dict[int, ThreadSamples] = {}
        self._outside_s = 0.0
        self._samples = 0
        self._errors: list[str] = []
        self._rss = _RssReader()
        self._gc = _GcTimer()
        # The RSS timeline as two flat arrays: a tick keeps no new Python object (under
        # --memory, every object kept drains the free lists the cell's own allocations reuse).
        self._times = array("d")
        self._rss_bytes = array("d")
        self._rss_every = RSS_EVERY_S
        self._threads_every = THREADS_EVERY_S
        self._thread_count = 0
        self._cpu_before: dict[int, float] = {}  # CPU seconds of the threads alive at the start
        self._rss_peak = 0
        self._rss_start = 0
        self._running = False
        self._in_tick = False
        self._tick_cost = 0.0
        self._handler_installed = False
        self._started = False
        self._t0 = self._last = self._last_rss = self._last_threads = self._next_fire = self._armed_at = 0.0
        self._last_cpu = 0.0
        self._next_adapt = 0.0
        self._maxrss_before = 0
        self.result: SamplerResult | None = None
        self._previous_handler: Any = None
        self._main_ident: int = threading.main_thread().ident or 0
        self._observations: list[tuple[float, Stack]] = []  # (when, stack) seen by the watcher
        self._watcher: _NativeWatcher | None = None
        self._tracer: Any = None

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("the sampler needs the main thread (signals are delivered there)")
        if signal.getsignal(signal.SIGALRM) not in (signal.SIG_DFL, signal.SIG_IGN, None) or any(
            signal.getitimer(signal.ITIMER_REAL)
        ):
            raise RuntimeError("SIGALRM or the real-time timer is in use by the notebook; sampling is off")
        self._rss_start = self._rss_peak = self._rss.read()
        now = time.perf_counter()
        self._t0 = self._last = self._last_rss = self._last_threads = now
        if self._sample_threads:
            self._thread_count = threading.active_count()
            self._cpu_before = {t.ident: _thread_cpu(t.ident) for t in threading.enumerate() if t.ident}
        self._next_adapt = self._adapt_after * self._interval
        self._last_cpu = time.thread_time()
        self._times.append(0.0)
        self._rss_bytes.append(float(self._rss_start))
        self._maxrss_before = _max_rss_bytes()
        self._started = True
        self.note_tracer()
        self._watcher = _NativeWatcher(self, 4 * self._interval)
        self._watcher.start()
        gc.callbacks.append(self._gc)
        self._previous_handler = signal.signal(signal.SIGALRM, self._tick)
        self._running = self._handler_installed = True
        self._arm_timer(self._interval)

    def stop(self) -> None:
        """Stop sampling and put back every handler, timer and callback (idempotent)."""
        if self.result is not None:
            return
        if not self._started:
            self._rss.close()
            return
        if self._handler_installed:
            self._running = self._handler_installed = False
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
            # signal.signal() runs any pending handler before swapping, so no
            # SIGALRM can reach the restored handler late.
            current = signal.getsignal(signal.SIGALRM)
            if current == self._tick:
                signal.signal(signal.SIGALRM, self._previous_handler)
            else:
                self._errors.append("the cell installed its own SIGALRM handler; perfnb left it in place")
        if self._watcher is not None:
            self._watcher.halt()
        if self._gc in gc.callbacks:
            gc.callbacks.remove(self._gc)
        end = self._rss.read()
        self._rss.close()
        peak = max(self._rss_peak, end)
        maxrss_after = _max_rss_bytes()
        if maxrss_after > self._maxrss_before:  # the process's peak rose during the run
            peak = max(peak, maxrss_after)
        elapsed = time.perf_counter() - self._t0
        self._times.append(elapsed)
        self._rss_bytes.append(float(end))
        self.result = SamplerResult(
            stacks=self._codes.resolve(self._weighed_stacks()),
            outside_s=self._outside_s,
            samples=self._samples,
            interval_s=self._interval,
            threads=self._busy_threads(),
            rss_timeline=[[t, b] for t, b in zip(self._times, self._rss_bytes, strict=True)],
            rss_start_bytes=self._rss_start,
            rss_end_bytes=end,
            rss_peak_bytes=peak,
            gc_collections=list(self._gc.collections),
            gc_time_s=self._gc.time_s,
            gc_max_pause_s=self._gc.max_pause_s,
            errors=self._errors,
        )

    def _busy_threads(self) -> list[ThreadSamples]:
        """Threads that ran code during the profile (idle ones, waiting on a lock, are left out)."""
        busy = []
        for samples in self._threads.values():
            if samples.stacks and samples.cpu_s >= MIN_THREAD_CPU_S:
                samples.stacks = self._codes.resolve(samples.stacks)
                busy.append(samples)
        return busy

    def contribute(self, profile: Profile, sources: SourceMap) -> None:
        result = self.result
        if result is None:
            return
        label = cell_label(profile.cell.execution_count)
        profile.lines = line_stats(result.stacks, sources)
        profile.tree = call_tree(_tree_input(result.stacks), sources, label, result.outside_s)
        profile.memory = Memory(
            rss_peak_bytes=result.rss_peak_bytes,
            traced_peak_bytes=profile.memory.traced_peak_bytes,
            timeline=result.rss_timeline,
            rss_start_bytes=result.rss_start_bytes,
            rss_end_bytes=result.rss_end_bytes,
        )
        profile.gc = GCStats(result.gc_collections, result.gc_time_s, result.gc_max_pause_s)
        if profile.tree is not None:
            _fit_tree(profile.tree, TREE_BUDGET_BYTES)
        profile.threads = _thread_profiles(result.threads, sources)
        profile.meta.interval_s = result.interval_s
        profile.meta.samples = result.samples
        profile.meta.errors.extend(result.errors)

    # -- the signal handler (hot path) -------------------------------------
    def _tick(self, signum: int, frame: FrameType | None) -> None:
        # A tick can arrive while the previous one runs — even at its first call, before
        # _in_tick is set, which the frame it interrupted tells: skip those.
        if self._in_tick or not self._running or (frame is not None and frame.f_code is _TICK_CODE):
            return
        if sys.gettrace() is not self._tracer:
            self._stop_for_tracer()
            return
        self._in_tick = True
        now = time.perf_counter()
        try:
            cpu = time.thread_time()
            elapsed = now - self._last
            native = now - self._next_fire
            if native < 0.0:
                native = 0.0
            elif native > LATE_TICK_SHARE * self._interval and self._watcher is not None:
                self._watcher.armed_until = now + ARMED_S
            cpu_used = cpu - self._last_cpu
            self._last = now
            self._last_cpu = cpu
            self._samples += 1
            self._record(frame, elapsed, native, cpu_used, self._next_fire)
            if now - self._last_rss >= self._rss_every:
                self._read_rss(now)
            if self._sample_threads and (
                now - self._last_threads >= min(10 * self._interval, self._threads_every)
                or threading.active_count() != self._thread_count
            ):
                self._record_threads(now)
            # The tick's own CPU time (time preempted by other processes or by the cell's own
            # threads is not its cost), averaged: one slow tick must not widen the interval for good.
            counted = self._samples - SETTLE_TICKS
            if counted > 0:
                weight = 1.0 / min(counted, COST_TICKS)
                self._tick_cost += weight * (time.thread_time() - cpu - self._tick_cost)
            cost = self._tick_cost
            budget = TICK_BUDGET * self._interval
            costly = cost > budget * RETUNE
            cheap = cost < budget / RETUNE and self._interval > self._base_interval
            if now - self._t0 >= self._next_adapt or (counted > 0 and (costly or cheap)):
                self._adapt(now, cost)
            # The timer fires at armed_at + k * interval (the kernel re-arms a periodic timer from
            # its expiry, however late the handler ran): no getitimer() call needed.
            interval = self._interval
            self._next_fire = self._armed_at + (int((now - self._armed_at) / interval) + 1) * interval
        except Exception as exc:  # never let a profiler fault reach the user's code
            self._running = False
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
            self._errors.append(f"sampler stopped early: {type(exc).__name__}: {exc}")
        finally:
            self._in_tick = False

    def _arm_timer(self, interval: float) -> None:
        self._interval = interval
        self._armed_at = time.perf_counter()
        self._next_fire = self._armed_at + interval
        signal.setitimer(signal.ITIMER_REAL, interval, interval)

    def note_tracer(self) -> None:
        """Remember the trace function in place once every engine has started (coverage, a
        debugger, or perfnb's --lines)."""
        self._tracer = sys.gettrace()

    def _stop_for_tracer(self) -> None:
        """The cell set a trace function (breakpoint(), sys.settrace): this handler is Python
        code the tracer would see (and a debugger step into) at every tick, so sampling stops."""
        self._running = False
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        self._errors.append("the cell set a trace function (a debugger, sys.settrace): sampling stopped there")

    def _stack_key(self, frame: FrameType | None) -> Stack | None:
        """The stack from ``frame`` down to the profiled region's root; None when outside it."""
        roots = self._codes.roots
        parts: list[Any] = []
        add = parts.append
        while frame is not None:
            code = frame.f_code
            ident = id(code)
            add(ident)
            add(frame.f_lasti)
            is_root = roots.get(ident)
            if is_root is None:
                is_root = self._codes.add(code)
            if is_root:
                if len(parts) > 2 * MAX_KEY_FRAMES:
                    parts = parts[:MAX_KEY_FRAMES] + parts[-MAX_KEY_FRAMES:]
                return tuple(parts)
            frame = frame.f_back
        return None

    def _record(self, frame: FrameType | None, elapsed: float, native: float, cpu: float, fired: float) -> None:
        observed = self._observations
        if observed:
            self._observations = []
        # The watcher's observations made while this tick waited (after the timer ``fired``) show
        # where that native time went; earlier ones belong to an interval already charged.
        during = [key for at, key in observed if at >= fired] if native > 0.0 else []
        if during:
            self._spread(during, native, 0.0)
            elapsed -= native
            native = 0.0
        current = self._stack_key(frame)
        if current is None and observed:
            # A cell's code that ends in a native call (``b = a @ a`` as its last line) returns
            # with no point where Python runs the pending handler, which then runs outside the
            # region: the lines the watcher saw in this interval are the best account of it.
            self._spread([key for _, key in observed], elapsed, cpu)
            return
        if current is None:
            self._outside_s += elapsed
            return
        self._add(current, elapsed, native, cpu)

    def _spread(self, keys: list[Stack], seconds: float, cpu: float) -> None:
        """Native time the watcher saw: shared equally by the stacks it saw."""
        share = seconds / len(keys)
        for key in keys:
            self._add(key, share, share, cpu / len(keys))

    def _add(self, key: Stack, elapsed: float, native: float, cpu: float) -> None:
        index = self._stacks.get(key)
        if index is None:
            if len(self._stacks) >= MAX_STACKS:
                key = key[-2:]  # fold into the root line: totals stay right
                index = self._stacks.get(key)
            if index is None:
                self._stacks[key] = len(self._weights)
                self._weights.extend((elapsed, native, cpu))
                return
        weights = self._weights
        weights[index] += elapsed
        weights[index + 1] += native
        weights[index + 2] += cpu

    def _weighed_stacks(self) -> dict[Stack, Weights]:
        weights = self._weights
        return {key: [weights[i], weights[i + 1], weights[i + 2]] for key, i in self._stacks.items()}

    def _read_rss(self, now: float) -> None:
        rss = self._rss.read()
        if rss > self._rss_peak:
            self._rss_peak = rss
        self._last_rss = now
        self._times.append(now - self._t0)
        self._rss_bytes.append(float(rss))
        if len(self._times) > TIMELINE_POINTS:
            self._times, self._rss_bytes = self._times[::2], self._rss_bytes[::2]
            self._rss_every *= 2

    def _record_threads(self, now: float) -> None:
        elapsed = now - self._last_threads
        self._last_threads = now
        self._thread_count = threading.active_count()
        if self._thread_count <= 1:  # the main thread only (the watcher is not a threading.Thread)
            return
        ran = False
        names = {t.ident: t.name for t in threading.enumerate()}
        frames = sys._current_frames()
        # The main thread's frame is this very call: a loop variable left pointing at it would
        # make a cycle that keeps the user's frames (and a large temporary array) alive.
        frames.pop(self._main_ident, None)
        for ident, frame in frames.items():
            if ident == self._main_ident or ident not in names or names[ident].startswith("perfnb-"):
                continue
            samples = self._threads.get(ident)
            if samples is None:
                if len(self._threads) >= MAX_THREADS:
                    continue
                before = self._cpu_before.get(ident, 0.0)
                samples = self._threads[ident] = ThreadSamples(names[ident], ident, cpu_start=before)
            cpu = max(0.0, _thread_cpu(ident) - samples.cpu_start)  # read while the thread lives
            key = samples.last_key
            if key is None or cpu != samples.cpu_s or not THREAD_CLOCKS:
                # A thread that has not run since the last look (blocked on I/O, a lock, a queue)
                # has the same stack: only a thread that ran is walked again.
                key = samples.last_key = self._thread_key(frame)
                ran = True
            samples.cpu_s = cpu
            if key not in samples.stacks and len(samples.stacks) >= MAX_THREAD_STACKS:
                key = key[-2:]  # fold into the thread's root frame: its total stays right
            _accumulate(samples.stacks, key, [elapsed, 0.0, 0.0])
        self._threads_every = THREADS_EVERY_S if ran else min(2 * self._threads_every, THREADS_IDLE_S)

    def _thread_key(self, frame: FrameType | None) -> Stack:
        """Another thread's whole stack, leaf first."""
        parts: list[Any] = []
        code_id = self._codes.ident
        while frame is not None:
            parts.append(code_id(frame.f_code))
            parts.append(frame.f_lasti)
            frame = frame.f_back
        return tuple(parts)

    def _adapt(self, now: float, cost: float) -> None:
        """Grow the interval with the run's length, and follow the tick's cost so that a tick
        costs about ``TICK_BUDGET`` of it (more with deep stacks): the overhead stays bounded."""
        by_length = 2 * (now - self._t0) / self._adapt_after
        by_cost = cost / TICK_BUDGET if self._samples > SETTLE_TICKS else 0.0
        target = min(self._max_interval, max(self._base_interval, by_length, by_cost))
        if not self._interval / RETUNE < target < RETUNE * self._interval:
            self._arm_timer(target)
            if self._watcher is not None:
                self._watcher.period_s = 4 * target
        if now - self._t0 >= self._next_adapt:
            self._next_adapt = 2 * (now - self._t0)



def _thread_profiles(threads: list[ThreadSamples], sources: SourceMap) -> list[ThreadProfile]:
    """The busiest threads in full (lines and tree within a shared budget); the others summed
    into one entry, so totals stay right however many threads the cell used."""
    timed = sorted(((sum(w[0] for w in t.stacks.values()), t) for t in threads), key=lambda p: p[0], reverse=True)
    shown, rest = timed[:SHOWN_THREADS], timed[SHOWN_THREADS:]
    budget = THREAD_TREES_BUDGET_BYTES // max(1, len(shown))
    out = []
    for time_s, t in shown:
        tree = call_tree(_tree_input(t.stacks), sources, t.name)
        if tree is not None:
            _fit_tree(tree, budget)
        lines = sorted(line_stats(t.stacks, sources), key=lambda s: s.time_s, reverse=True)[:THREAD_LINES]
        lines.sort(key=_line_order)
        out.append(ThreadProfile(name=t.name, ident=t.ident, time_s=time_s, cpu_s=t.cpu_s, lines=lines, tree=tree))
    if rest:
        out.append(
            ThreadProfile(
                name=f"({len(rest)} other threads)",
                ident=0,
                time_s=sum(p[0] for p in rest),
                cpu_s=sum(p[1].cpu_s for p in rest),
            )
        )
    return out


def _line_order(stat: LineStat) -> tuple[bool, int, str, int]:
    return (stat.origin != "cell", stat.cell or 0, stat.file, stat.line)


def _text_bytes(text: str) -> int:
    return len(text) if text.isascii() else 6 * len(text)  # JSON escapes non-ASCII as \uXXXX


NODE_JSON_BYTES = 170  # keys, numbers and punctuation of one serialised tree node, at most


def _fit_tree(tree: TreeNode, budget_bytes: int) -> None:
    """Prune the tree until its JSON (estimated from above) fits the budget."""
    while True:
        nodes = 0
        size = 0
        for node in tree.walk():
            nodes += 1
            size += NODE_JSON_BYTES + _text_bytes(node.name) + _text_bytes(node.file)
        if size <= budget_bytes or nodes <= 2:
            return
        # At most (nodes - 1) // 2 kept nodes, each gaining at most one [other] node:
        # the tree shrinks on every pass.
        prune_tree(tree, max(1, min(int(nodes * budget_bytes / size * 0.9), (nodes - 1) // 2)))


def _tree_input(stacks: dict[Stack, Weights]) -> dict[Stack, Weights]:
    """The stacks the call tree is built from, within ``TREE_INPUT_FRAMES`` frames.

    The tree is built in full and then pruned to its node cap, so its peak memory grows
    with the frames it is built from. The heaviest stacks are kept whole; past the budget
    a stack keeps its ``SHALLOW_FRAMES`` root-most frames, so every total stays right and
    only detail the pruning would mostly drop anyway is lost.
    """
    if sum(len(key) for key in stacks) // 2 <= TREE_INPUT_FRAMES:
        return stacks
    out: dict[Stack, Weights] = {}
    used = 0
    for key, weights in sorted(stacks.items(), key=lambda item: item[1][0], reverse=True):
        if used + len(key) // 2 > TREE_INPUT_FRAMES:
            key = key[-2 * SHALLOW_FRAMES :]
        used += len(key) // 2
        _accumulate(out, key, weights)
    return out


def _accumulate(stacks: dict[Stack, Weights], key: Stack, weights: Weights) -> None:
    """Add ``weights`` to the stack ``key`` (a copy of them when the stack is new)."""
    kept = stacks.get(key)
    if kept is None:
        stacks[key] = list(weights)
    else:
        for i, value in enumerate(weights):
            kept[i] += value


_TICK_CODE = Sampler._tick.__code__


def _line_at(code: CodeType, offset: int) -> int:
    """The editor line of the instruction at ``offset`` (a frame's f_lasti)."""
    starts, ends, lines = _line_ranges(code)
    i = bisect.bisect_right(starts, offset) - 1
    line = lines[i] if i >= 0 and offset < ends[i] else None
    return line if line is not None else _nearest_line(code, offset)


@functools.lru_cache(maxsize=1024)
def _line_ranges(code: CodeType) -> tuple[list[int], list[int], list[int | None]]:
    """``co_lines()`` as sorted columns, searched by bisection: scanning it for every sampled
    instruction of a large function cost ~15 us each, most of building a profile."""
    starts: list[int] = []
    ends: list[int] = []
    lines: list[int | None] = []
    for start, end, line in code.co_lines():
        starts.append(start)
        ends.append(end)
        lines.append(line)
    return starts, ends, lines


@functools.lru_cache(maxsize=4096)
def _nearest_line(code: CodeType, offset: int) -> int:
    """A line for an instruction Python gave none (3.11 marks a loop's jump back that way).

    A jump back belongs to its loop: it gets the line of the instruction it jumps to, the
    loop's header — the body's cost (an ``in`` test on a list, say) runs without a signal
    check, so "this loop" is the most precise honest answer. Any other such instruction gets
    the line of the closest instruction before it that has one.
    """
    line = code.co_firstlineno
    lines: dict[int, int | None] = {}
    for instruction in dis.get_instructions(code):
        lineno = instruction.positions.lineno if instruction.positions else None
        lines[instruction.offset] = lineno
        if instruction.offset > offset:
            break
        if instruction.offset == offset and lineno is None and instruction.opname.startswith("JUMP_BACKWARD"):
            target = lines.get(instruction.argval)
            if target is not None:
                return target
        if lineno is not None:
            line = lineno
    return line

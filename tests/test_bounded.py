"""Bounded: however long a cell runs and however many threads it uses, the stored profile
stays under 1 MB and the sampler's own aggregates stay capped.

The long-running measurement is benchmarks/bounded.py (not run in CI); these tests feed
the engine the worst case directly: as many distinct stacks as a 10-minute run can
produce, on the main thread and on many busy threads.
"""

from __future__ import annotations

import random
import threading
import time
from types import CodeType
from typing import Any

import perfnb
from perfnb.engines import sampler as sampler_module
from perfnb.engines.sampler import Sampler, SamplerResult, ThreadSamples
from perfnb.model import CellInfo, Profile
from perfnb.sources import SourceMap
from perfnb.stats import timing_from_runs

LIMIT_BYTES = 1_000_000


def _codes(count: int) -> list[CodeType]:
    """Code objects of ``count`` distinct functions in a file with a realistically long path."""
    source = "\n".join(f"def function_number_{i}(x):\n    return x\n" for i in range(count))
    namespace: dict[str, Any] = {}
    exec(compile(source, "/home/user/projects/analysis/src/package/subpackage/module_name.py", "exec"), namespace)
    return [namespace[f"function_number_{i}"].__code__ for i in range(count)]


def _stacks(codes: list[CodeType], count: int, seed: int) -> dict[tuple[Any, ...], list[float]]:
    rng = random.Random(seed)
    stacks: dict[tuple[Any, ...], list[float]] = {}
    while len(stacks) < count:
        depth = 5 + rng.getrandbits(6) % 56
        parts: list[Any] = []
        for _ in range(depth):
            parts += [codes[rng.getrandbits(16) % len(codes)], 1 + rng.getrandbits(11)]
        stacks[tuple(parts)] = [rng.random() * 0.05, 0.0, 0.0]
    return stacks


def _result(main: dict[tuple[Any, ...], list[float]], threads: list[ThreadSamples]) -> SamplerResult:
    return SamplerResult(
        stacks=main, outside_s=0.0, samples=len(main), interval_s=0.05, threads=threads,
        rss_timeline=[[float(i), 1e9] for i in range(2000)], rss_start_bytes=0, rss_end_bytes=0,
        rss_peak_bytes=0, gc_collections=[0, 0, 0], gc_time_s=0.0, gc_max_pause_s=0.0, errors=[],
    )  # fmt: skip


def test_a_ten_minute_profile_with_many_busy_threads_stays_under_one_megabyte() -> None:
    codes = _codes(400)
    # Distinct random stacks of depth 5-60 through 400 functions: a few hundred of them
    # already fill a tree's node cap, as the ~12,000 main-thread and ~1,200-per-thread
    # samples of a 10-minute run at the 50 ms interval would.
    threads = [
        ThreadSamples(name=f"worker-{i}", ident=1000 + i, stacks=_stacks(codes, 300, seed=i), cpu_s=60.0)
        for i in range(12)
    ]
    sampler = Sampler(lambda code: False)
    sampler.result = _result(_stacks(codes, 1500, seed=99), threads)
    profile = Profile(cell=CellInfo(5, "x = work()"), timing=timing_from_runs([600.0], 600.0))
    sampler.contribute(profile, SourceMap())
    size = len(profile.to_json().encode())
    assert size < LIMIT_BYTES, f"{size:,} bytes"
    # Nothing is silently lost: every thread's sampled time is still accounted for.
    total = sum(sum(w[0] for w in t.stacks.values()) for t in threads)
    assert sum(t.time_s for t in profile.threads) == pytest_approx(total)


def pytest_approx(value: float) -> Any:
    import pytest

    return pytest.approx(value, rel=1e-9)


def _recurse(depth: int, seed: int) -> int:
    if depth == 0:
        return seed
    return _recurse(depth - 1, (seed * 1103515245 + 12345) & 0x7FFFFFFF) if seed % 2 else _other(depth - 1, seed + 1)


def _other(depth: int, seed: int) -> int:
    if depth == 0:
        return seed
    return _recurse(depth - 1, seed // 2 + 7)


def test_the_stacks_kept_for_other_threads_are_capped(monkeypatch: Any) -> None:
    monkeypatch.setattr(sampler_module, "MAX_THREAD_STACKS", 5, raising=False)
    stop = threading.Event()

    def work() -> None:
        seed = 1
        while not stop.is_set():
            seed = _recurse(5 + seed % 30, seed) + 1

    worker = threading.Thread(target=work, name="busy-worker", daemon=True)
    worker.start()
    try:
        with perfnb.profile(interval_ms=0.5) as run:
            end = time.perf_counter() + 0.6
            while time.perf_counter() < end:
                _recurse(10, 3)
            engine = run._recording.engines[0]  # type: ignore[union-attr]
    finally:
        stop.set()
        worker.join()
    assert isinstance(engine, Sampler)
    kept = {samples.name: len(samples.stacks) for samples in engine._threads.values()}
    assert kept.get("busy-worker", 0) >= 1, kept
    assert all(count <= 6 for count in kept.values()), kept  # the cap, plus the folded root key


def test_building_the_profile_of_a_long_run_keeps_perfnb_memory_bounded() -> None:
    """The end of a long run builds the lines and the call tree: its peak stays far below 50 MB."""
    import tracemalloc

    codes = _codes(400)
    stacks = _stacks(codes, 2000, seed=5)  # ~65,000 frames: building the tree from all of them peaks near 40 MB
    sampler = Sampler(lambda code: False)
    sampler.result = _result(stacks, [])
    profile = Profile(cell=CellInfo(5, "x = work()"), timing=timing_from_runs([600.0], 600.0))
    tracemalloc.start()
    try:
        sampler.contribute(profile, SourceMap())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 25_000_000, f"{peak:,} bytes"
    assert profile.tree is not None
    assert profile.tree.time_s == pytest_approx(sum(w[0] for w in stacks.values()))

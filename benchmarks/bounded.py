"""Bounded: profiling a long cell keeps perfnb's own memory and the stored profile small.

The workload calls through a few hundred generated functions (in a real module file,
so every frame has its own file and line) along pseudo-random paths of depth 5-60,
so nearly every sample lands on a stack never seen before — the worst case for a
sampler that aggregates by stack. Optional worker threads run the same workload
(other threads are sampled too).

perfnb's own memory is measured two ways, side by side in one process:

* retained: a tracemalloc snapshot, filtered to allocations made by perfnb's own
  files, taken at checkpoints while the profile runs and once after the profile
  is built (before the sampler is released);
* peak: tracemalloc's peak over the profiled run (which includes the building of
  lines and tree at the end) minus the peak of the same workload run bare.

The stored profile's size is the length of its JSON (``application/vnd.perfnb.profile+json``);
the static HTML and text views are printed beside it.

    .venv/bin/python benchmarks/bounded.py --duration 600      # the committed 10-minute run
    .venv/bin/python benchmarks/bounded.py --duration 20       # a quick look

CI does not run this file (it is not under tests/).
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import random
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import perfnb  # noqa: E402
from perfnb.render.bundle import mime_bundle  # noqa: E402

MB = 1_000_000
LIMIT_MEMORY_BYTES = 50 * MB
LIMIT_PROFILE_BYTES = 1 * MB
PERFNB_FILES = str(ROOT / "perfnb" / "*")


def generate_module(functions: int, seed: int) -> ModuleType:
    """A module of ``functions`` functions f0..fN that call each other along seeded paths."""
    rng = random.Random(seed)
    parts = [
        "def leaf(seed):",
        "    s = 0",
        "    for k in range(40 + seed % 60):",
        "        s += k * k",
        "    return s",
        "",
    ]
    for i in range(functions):
        a, b, c = (rng.randrange(functions) for _ in range(3))
        parts += [
            f"def f{i}(depth, seed):",
            "    if depth <= 0:",
            "        return leaf(seed)",
            "    nxt = (seed * 1103515245 + 12345) & 0x7fffffff",
            "    branch = nxt % 3",
            "    if branch == 0:",
            f"        return f{a}(depth - 1, nxt) + 1",
            "    if branch == 1:",
            f"        return f{b}(depth - 1, nxt) + 2",
            f"    return f{c}(depth - 1, nxt) + 3",
            "",
        ]
    directory = tempfile.mkdtemp(prefix="perfnb-bounded-")
    path = Path(directory) / "bounded_workload.py"
    path.write_text("\n".join(parts))
    spec = importlib.util.spec_from_file_location("bounded_workload", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def call_once(module: ModuleType, functions: int, seed: int) -> tuple[int, int]:
    depth = 5 + seed % 56
    start = getattr(module, f"f{seed % functions}")
    value = start(depth, seed)
    return value, (seed * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFF


class Workers:
    """Threads running the same workload until stopped."""

    def __init__(self, count: int, module: ModuleType, functions: int) -> None:
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._loop, args=(module, functions, 1000 + i), name=f"worker-{i}", daemon=True)
            for i in range(count)
        ]

    def _loop(self, module: ModuleType, functions: int, seed: int) -> None:
        while not self._stop.is_set():
            _, seed = call_once(module, functions, seed)

    def __enter__(self) -> Workers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()


def perfnb_bytes() -> int:
    snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(True, PERFNB_FILES)])
    return sum(stat.size for stat in snapshot.statistics("filename"))


def bare_peak(module: ModuleType, functions: int, seconds: float, threads: int) -> int:
    """tracemalloc's peak over the workload without perfnb (its own transient allocations)."""
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    with Workers(threads, module, functions):
        end = time.perf_counter() + seconds
        seed = 1
        while time.perf_counter() < end:
            _, seed = call_once(module, functions, seed)
    return tracemalloc.get_traced_memory()[1] - base


def profiled(
    module: ModuleType, functions: int, seconds: float, threads: int, checkpoint_s: float
) -> dict[str, Any]:
    checkpoints: list[tuple[float, int, int, int]] = []
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    calls = 0
    with Workers(threads, module, functions), perfnb.profile() as run:
        sampler = run._recording.engines[0] if run._recording is not None else None  # type: ignore[attr-defined]
        t0 = time.perf_counter()
        end = t0 + seconds
        next_check = t0 + checkpoint_s
        seed = 1
        while True:
            now = time.perf_counter()
            if now >= end:
                break
            if now >= next_check:
                stacks = len(getattr(sampler, "_stacks", {}))
                samples = int(getattr(sampler, "_samples", 0))
                checkpoints.append((now - t0, perfnb_bytes(), stacks, samples))
                print(
                    f"  t={now - t0:6.0f} s  perfnb retained {checkpoints[-1][1] / MB:6.2f} MB  "
                    f"stacks {stacks:>7,}  samples {samples:>7,}",
                    flush=True,
                )
                next_check += checkpoint_s
            _, seed = call_once(module, functions, seed)
            calls += 1
    built = perfnb_bytes()  # the sampler's aggregates plus the built Profile, both still alive
    peak = tracemalloc.get_traced_memory()[1] - base
    profile = run.profile
    assert profile is not None
    bundle = mime_bundle(profile)
    return {
        "checkpoints": checkpoints,
        "retained_after_build": built,
        "peak_over_run": peak,
        "stacks": len(getattr(sampler, "_stacks", {})),
        "samples": profile.meta.samples,
        "interval_s": profile.meta.interval_s,
        "calls": calls,
        "json_bytes": len(profile.to_json().encode()),
        "sections": {k: len(json.dumps(v).encode()) for k, v in profile.to_dict().items()},
        "html_bytes": len(bundle["text/html"].encode()),
        "text_bytes": len(bundle["text/plain"].encode()),
        "lines": len(profile.lines),
        "tree_nodes": sum(1 for _ in profile.tree.walk()) if profile.tree else 0,
        "threads": [(t.name, sum(1 for _ in t.tree.walk()) if t.tree else 0, len(t.lines)) for t in profile.threads],
        "wall_s": profile.timing.wall_s,
        "errors": profile.meta.errors,
    }


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (
        f"{platform.platform()} · {model or platform.processor()} · {os.cpu_count()} logical CPUs "
        f"(shared; load average at the start {load}) · Python {platform.python_version()} · perfnb {perfnb.__version__}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of profiled workload (default 600)")
    parser.add_argument("--functions", type=int, default=400, help="generated functions (default 400)")
    parser.add_argument("--threads", type=int, default=2, help="worker threads beside the main one (default 2)")
    parser.add_argument("--checkpoint", type=float, default=60.0, help="seconds between memory checkpoints")
    parser.add_argument("--bare", type=float, default=10.0, help="seconds of the bare run used for the baseline peak")
    args = parser.parse_args(argv)

    print(f"perfnb bounded benchmark · {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}")
    print(
        f"workload: {args.functions} generated functions, call depth 5-60 along seeded paths, "
        f"{args.threads} worker threads, {args.duration:.0f} s profiled"
    )
    module = generate_module(args.functions, seed=7)
    tracemalloc.start(1)
    bare = bare_peak(module, args.functions, args.bare, args.threads)
    result = profiled(module, args.functions, args.duration, args.threads, args.checkpoint)
    tracemalloc.stop()

    retained = max([c[1] for c in result["checkpoints"]] + [result["retained_after_build"]])
    own_peak = result["peak_over_run"] - bare
    print(
        f"profiled {result['wall_s']:.0f} s: {result['samples']:,} samples, final interval "
        f"{result['interval_s'] * 1e3:.1f} ms, {result['stacks']:,} distinct main-thread stacks, "
        f"{result['calls']:,} workload calls"
    )
    print(f"bare workload traced peak ({args.bare:.0f} s): {bare / MB:.2f} MB")
    print(f"perfnb retained (max of checkpoints and after building the profile): {retained / MB:.2f} MB")
    print(f"perfnb peak (traced peak of the profiled run - bare peak): {own_peak / MB:.2f} MB")
    print(
        f"stored profile JSON: {result['json_bytes'] / MB:.3f} MB · HTML view {result['html_bytes'] / MB:.3f} MB · "
        f"text view {result['text_bytes'] / 1000:.1f} KB"
    )
    print(
        f"profile contents: {result['lines']} lines, {result['tree_nodes']} tree nodes, "
        f"threads {result['threads']}, errors {result['errors']}"
    )
    print("profile JSON by section (bytes): " + ", ".join(f"{k} {v:,}" for k, v in result["sections"].items()))
    memory_ok = max(retained, own_peak) < LIMIT_MEMORY_BYTES
    size_ok = result["json_bytes"] < LIMIT_PROFILE_BYTES
    print(f"memory < 50 MB: {'yes' if memory_ok else 'NO'} · profile < 1 MB: {'yes' if size_ok else 'NO'}")
    return 0 if memory_ok and size_ok else 1


if __name__ == "__main__":
    sys.exit(main())

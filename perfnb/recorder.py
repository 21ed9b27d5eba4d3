"""A Recording runs the engines around one profiled region and builds its Profile.

Engines are started in order and stopped in reverse; one that fails to start or
stop is dropped and named in ``profile.meta.errors`` — the user's code never sees
perfnb's failures.
"""

from __future__ import annotations

import datetime
import platform
import sys
import time
from collections.abc import Callable
from types import CodeType
from typing import ClassVar

from . import __version__
from .engines.base import Engine
from .engines.sampler import Sampler
from .engines.torch_engines import torch_engines
from .model import CellInfo, Meta, Profile
from .options import Options
from .sources import SourceMap
from .stats import timing_from_runs

EXACT_ENGINES_INTERVAL_S = 0.05


class NestedProfileError(RuntimeError):
    """Raised when a profile starts while another one is running."""


def make_engines(options: Options, is_root: Callable[[CodeType], bool]) -> list[Engine]:
    interval_s = options.interval_s
    if options.memory or options.lines:
        # The exact engines give the per-line figures; the sampler (call tree, native split,
        # RSS, GC) slows down so its own work adds little to theirs.
        interval_s = max(interval_s, EXACT_ENGINES_INTERVAL_S)
    engines: list[Engine] = [Sampler(is_root, interval_s=interval_s, sample_threads=options.threads)]
    engines.extend(torch_engines(options, is_root))  # --torch/--gpu/--flops, or device-memory facts when CUDA is in use
    # Started in this order and stopped in reverse: the exact-line engine sits closest to the cell.
    if options.memory == "trace":
        from .engines.memory import TracedMemory

        engines.append(TracedMemory())
    elif options.memory == "rss" and options.lines:
        from .publish import warn

        warn("--memory=rss and --lines both need Python's trace hook; running --lines only")
    elif options.memory == "rss":
        from .engines.rss_lines import RssLines

        engines.append(RssLines(is_root))
    if options.lines:
        from .engines.lines import LineTimer

        engines.append(LineTimer(is_root, options.functions))
    return engines


class Recording:
    """One profiled region: start(), run the code, stop() -> Profile."""

    _active: ClassVar[Recording | None] = None

    def __init__(self, options: Options, is_root: Callable[[CodeType], bool]) -> None:
        self.options = options
        self.engines = make_engines(options, is_root)
        self.errors: list[str] = []
        self._started_at = ""
        self._wall0 = 0.0
        self._cpu0 = 0.0

    def start(self) -> None:
        if Recording._active is not None:
            raise NestedProfileError("a profile is already running (perfnb does not nest %%perf)")
        Recording._active = self
        self._started_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        running: list[Engine] = []
        for engine in self.engines:
            try:
                engine.start()
            except Exception as exc:
                self.errors.append(f"{engine.name} engine off: {exc}")
                _quietly_stop(engine, self.errors)
            else:
                running.append(engine)
        self.engines = running
        self._cpu0 = time.process_time()
        self._wall0 = time.perf_counter()

    def stop(self, cell: CellInfo, sources: SourceMap, runs_s: list[float] | None = None) -> Profile:
        """Stop every engine and build the Profile. ``runs_s`` are per-run wall times (for -n)."""
        wall = time.perf_counter() - self._wall0
        cpu = time.process_time() - self._cpu0
        for engine in reversed(self.engines):
            _quietly_stop(engine, self.errors)
        if Recording._active is self:
            Recording._active = None
        profile = Profile(
            cell=cell,
            timing=timing_from_runs(runs_s or [wall], cpu, warmup=self.options.warmup),
            meta=Meta(
                perfnb_version=__version__,
                python=platform.python_version(),
                platform=f"{platform.system()} {platform.machine()}",
                started_at=self._started_at,
                engines=[e.name for e in self.engines],
            ),
        )
        for engine in self.engines:
            try:
                engine.contribute(profile, sources)
            except Exception as exc:
                self.errors.append(f"{engine.name} results lost: {type(exc).__name__}: {exc}")
        profile.meta.errors.extend(self.errors)
        return profile


def abort(recording: Recording) -> None:
    """Stop every engine of a recording whose stop() failed, so nothing keeps running."""
    for engine in reversed(recording.engines):
        _quietly_stop(engine, recording.errors)
    if Recording._active is recording:
        Recording._active = None


def _quietly_stop(engine: Engine, errors: list[str]) -> None:
    try:
        engine.stop()
    except Exception as exc:
        errors.append(f"{engine.name} engine failed to stop cleanly: {type(exc).__name__}: {exc}")
        print(f"perfnb: {errors[-1]}", file=sys.stderr)

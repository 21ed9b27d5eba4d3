"""A Recording runs the engines around one profiled region and builds its Profile.

Engines are made and started in order when the recording starts, and stopped in
reverse; one that fails to start or stop is dropped and named in
``profile.meta.errors`` — the user's code never sees perfnb's failures. A recording
that cannot start at all (a nested profile, an unknown or missing engine) raises
``NotProfiled``: the cell then runs unprofiled, with its one-line reason.
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
from .options import ENGINES, Options
from .sources import SourceMap
from .stats import timing_from_runs

EXACT_ENGINES_INTERVAL_S = 0.05


class NotProfiled(RuntimeError):
    """Raised by ``Recording.start`` when this cell cannot be profiled as asked; the message
    is the one-line reason, and the cell runs unprofiled."""


class NestedProfileError(NotProfiled):
    """Raised when a profile starts while another one is running."""


def make_engines(options: Options, is_root: Callable[[CodeType], bool], code: str | None = None) -> list[Engine]:
    """The engines the options ask for. ``code`` is the cell's source as IPython compiles it
    (line 1 = the editor's line 1), which --engine scalene needs; None where there is no cell."""
    check_engine(options)
    if options.engine == "scalene":
        return [_scalene_engine(options, code)]
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


def check_engine(options: Options) -> None:
    """Raise NotProfiled when the options name an unknown engine or combine one with options
    it does not implement — checked before anything runs (-n's warm-up runs included)."""
    if options.engine not in ENGINES:
        raise NotProfiled(f"unknown engine {options.engine!r} (engines: {', '.join(ENGINES)})")
    others = _sampler_options(options) if options.engine == "scalene" else []
    if others:
        raise NotProfiled(f"--engine scalene measures CPU time only and does not combine with {', '.join(others)}")


def _scalene_engine(options: Options, code: str | None) -> Engine:
    from IPython import get_ipython

    shell = get_ipython()
    if code is None or shell is None:
        raise NotProfiled("--engine scalene profiles notebook cells only")
    if not all(_installed(name) for name in ("scalene", "cloudpickle")):
        raise NotProfiled("--engine scalene needs Scalene: pip install perfnb[scalene]")
    from .engines.scalene_engine import ScaleneEngine

    return ScaleneEngine(shell, code)


def _installed(name: str) -> bool:
    """Whether a package can be imported, without importing it (importing Scalene changes the process)."""
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _sampler_options(options: Options) -> list[str]:
    """The options given that only the sampler and its companion engines implement."""
    given = {
        "-n": options.repeat > 1,
        "--warmup": options.warmup > 0,
        "--memory": options.memory is not None,
        "--lines": options.lines and not options.functions,
        "-f": bool(options.functions),
        "--torch": options.torch and not options.gpu and options.trace is None,
        "--gpu": options.gpu,
        "--flops": options.flops,
        "--trace": options.trace is not None,
    }
    return [name for name, on in given.items() if on]


class Recording:
    """One profiled region: start(), run the code, stop() -> Profile."""

    _active: ClassVar[Recording | None] = None

    def __init__(self, options: Options, is_root: Callable[[CodeType], bool], code: str | None = None) -> None:
        self.options = options
        self._is_root = is_root
        self._code = code
        self.engines: list[Engine] = []
        self.errors: list[str] = []
        self._started_at = ""
        self._wall0 = 0.0
        self._cpu0 = 0.0

    def start(self) -> None:
        if Recording._active is not None:
            raise NestedProfileError("a profile is already running (perfnb does not nest %%perf)")
        self.engines = make_engines(self.options, self._is_root, self._code)
        Recording._active = self
        try:
            self._start_engines()
        except BaseException:  # an interrupt, or a fault of perfnb's: nothing stays running or marked active
            abort(self)
            raise

    def _start_engines(self) -> None:
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
        for engine in running:
            if isinstance(engine, Sampler):
                engine.note_tracer()  # the trace function the engines leave: another one is the cell's
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
    """Stop every engine of a recording whose start() or stop() failed, so nothing keeps running."""
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

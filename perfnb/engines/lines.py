"""``--lines``: exact hits and time per line through line_profiler.

line_profiler times the code objects registered with it (it keys them by their
bytecode, which it pads with no-ops so each registered copy is unique). Three
kinds of code are registered:

- every function defined in the notebook that the namespace can reach (functions,
  methods, properties, decorated functions): found automatically at start;
- the functions named with ``-f dotted.name`` (a notebook name or a module's);
- the cell itself. IPython compiles a cell only after ``pre_run_cell`` — when the
  engines start — so the engine wraps the shell's ``run_code`` while it runs: each
  code object of the profiled cell is swapped for its registered copy (with its
  nested functions, classes and comprehensions registered too) just before it runs.

``stop`` disables the profiler (line_profiler puts back any trace function it
found), unwraps ``run_code`` and gives every function its original code object back,
including the functions the cell itself defined.
"""

from __future__ import annotations

import sys
import types
import warnings
from collections.abc import Callable, Coroutine
from types import CodeType
from typing import Any

from ..model import Profile
from ..publish import warn
from ..sources import SourceMap
from .linetable import LineTable
from .notebook_code import TargetError, all_functions, cell_files, ipython_shell, notebook_functions, resolve


class _Holder:
    """What line_profiler's ``add_function`` needs: an object with a ``__code__`` it may replace."""

    def __init__(self, code: CodeType) -> None:
        self.__code__ = code


class LineTimer:
    name = "lines"

    def __init__(self, is_root: Callable[[CodeType], bool], targets: list[str] | None = None) -> None:
        self._is_root = is_root
        self._targets = list(targets or [])
        self._profiler: Any = None
        self._shell: Any = None
        self._run_code: Any = None
        self._had_own_run_code = False
        self._previous_run_code: Any = None
        self._enabled = False
        self._stopped = False
        self._patched: list[tuple[types.FunctionType, CodeType]] = []
        self._registered: dict[CodeType, CodeType] = {}  # original -> registered copy
        self._originals: dict[CodeType, CodeType] = {}  # registered copy -> original
        self._cell_codes = 0
        self._trace_settings: tuple[bool, bool] | None = None
        self.notes: list[str] = []

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> None:
        from line_profiler import LineProfiler

        self._profiler = LineProfiler()
        if sys.gettrace() is not None:
            # A trace function already set (a debugger, coverage.py) keeps getting its events:
            # line_profiler calls it from its own. These settings are per thread: put back in stop.
            self._trace_settings = (self._profiler.wrap_trace, self._profiler.set_frame_local_trace)
            self._profiler.wrap_trace = self._profiler.set_frame_local_trace = True
        self._shell = ipython_shell()
        namespace: dict[str, Any] = getattr(self._shell, "user_ns", None) or {}
        for function in notebook_functions(namespace, cell_files(self._shell)):
            self._register_function(function)
        for target in self._targets:
            try:
                self._register_function(resolve(target, namespace))
            except TargetError as exc:
                warn(str(exc))
            except Exception as exc:  # importing a module named by -f can fail in any way
                warn(f"-f {target}: {type(exc).__name__}: {exc}")
        if self._shell is not None:
            self._wrap_run_code(self._shell)
        self._profiler.enable_by_count()
        self._enabled = True

    def stop(self) -> None:
        """Disable the profiler, unwrap run_code, give functions their own code back (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        try:
            if self._enabled:
                self._profiler.disable_by_count()
                self._enabled = False
        finally:
            if self._trace_settings is not None:
                self._profiler.wrap_trace, self._profiler.set_frame_local_trace = self._trace_settings
                self._trace_settings = None
            self._unwrap_run_code()
            self._restore_functions()

    # -- registration --------------------------------------------------------
    def _register(self, code: CodeType) -> CodeType:
        """The registered copy of ``code``, nested code objects included (cached)."""
        known = self._registered.get(code)
        if known is not None:
            return known
        if code in self._originals:
            return code
        consts = code.co_consts
        if any(isinstance(c, CodeType) for c in consts):
            code_with = code.replace(co_consts=tuple(self._register(c) if isinstance(c, CodeType) else c for c in consts))
        else:
            code_with = code
        holder = _Holder(code_with)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._profiler.add_function(holder)
        registered: CodeType = holder.__code__
        self._registered[code] = registered
        self._originals[registered] = code
        return registered

    def _register_function(self, function: types.FunctionType) -> None:
        original = function.__code__
        registered = self._register(original)
        if registered is not original:
            function.__code__ = registered
            self._patched.append((function, original))

    # -- the cell's own code ---------------------------------------------------
    def _wrap_run_code(self, shell: Any) -> None:
        original = shell.run_code
        self._had_own_run_code = "run_code" in vars(shell)
        self._previous_run_code = vars(shell).get("run_code")
        engine = self

        def run_code(code_obj: Any, result: Any = None, *, async_: bool = False) -> Coroutine[Any, Any, Any]:
            if isinstance(code_obj, CodeType) and not engine._stopped and engine._is_root(code_obj):
                code_obj = engine.cell_code(code_obj)
            return original(code_obj, result, async_=async_)  # type: ignore[no-any-return]

        self._run_code = run_code
        shell.run_code = run_code

    def cell_code(self, code: CodeType) -> CodeType:
        """The copy of a code object of the profiled cell that line_profiler times (also for
        code the cell runs itself, as ``-n`` does); the code itself if line_profiler refuses it."""
        try:
            registered = self._register(code)
        except Exception as exc:  # the cell must run even if line_profiler refuses its code
            self.notes.append(f"a part of the cell is not line-timed: {type(exc).__name__}: {exc}")
            return code
        self._cell_codes += 1
        return registered

    def _unwrap_run_code(self) -> None:
        shell, wrapper = self._shell, self._run_code
        self._run_code = None
        if shell is None or wrapper is None:
            return
        if vars(shell).get("run_code") is not wrapper:
            self.notes.append("IPython's run_code was replaced during the cell; perfnb left the new one in place")
        elif self._had_own_run_code:
            shell.run_code = self._previous_run_code
        else:
            del shell.run_code

    def _restore_functions(self) -> None:
        for function, original in reversed(self._patched):
            if function.__code__ is self._registered.get(original):
                function.__code__ = original
        self._patched.clear()
        # Functions the cell defined were made from the registered copies.
        namespace: dict[str, Any] = getattr(self._shell, "user_ns", None) or {}
        if self._originals:
            for function in all_functions(namespace):
                own = self._originals.get(function.__code__)
                if own is not None:
                    function.__code__ = own

    # -- results ------------------------------------------------------------
    def contribute(self, profile: Profile, sources: SourceMap) -> None:
        profile.meta.errors.extend(self.notes)
        if self._profiler is None:
            return
        if self._shell is not None and not self._cell_codes:
            profile.meta.errors.append(
                "--lines timed the functions the cell called, not the cell's own lines (they did not run "
                "through IPython's run_code)"
            )
        stats = self._profiler.get_stats()
        unit = float(stats.unit)
        best: dict[tuple[str, int], tuple[int, int, str]] = {}
        for (filename, _first, function), entries in stats.timings.items():
            for lineno, hits, raw_time in entries:
                if hits <= 0:
                    continue
                key = (filename, lineno)
                # A line shared by nested code (a comprehension, a lambda) keeps the figures of
                # the outermost code, whose time includes the inner one's.
                if key not in best or raw_time > best[key][1]:
                    best[key] = (hits, raw_time, "" if function == "<module>" else function)
        table = LineTable(profile, sources)
        for (filename, lineno), (hits, raw_time, function) in best.items():
            stat = table.get(filename, lineno, function)
            stat.hits = hits
            stat.line_time_s = raw_time * unit
        table.finish()

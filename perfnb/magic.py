"""The %%perf cell magic and %perf line magic."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.magic import Magics, line_cell_magic, magics_class

from . import options as perf_options
from .cellhooks import CellHooks
from .publish import warn

if TYPE_CHECKING:
    from .cellrun import CellProgram
    from .recorder import Recording

# The recorder, engines, model and views are imported by the first profiled cell,
# not by %load_ext perfnb, which stays light.


@magics_class
class PerfMagics(Magics):
    def __init__(self, shell: InteractiveShell, hooks: CellHooks | None = None, **kwargs: Any) -> None:
        super().__init__(shell, **kwargs)
        self.hooks = hooks

    @perf_options.perf_arguments
    @line_cell_magic
    def perf(self, line: str, cell: str | None = None) -> Any:
        """Profile a cell (%%perf) or one statement (%perf): where the time, memory and GPU went.

        Shows, under the cell, wall and CPU time, the hottest lines of the cell and
        of every function it reached (functions from earlier cells as ``In [5] line 3``),
        each split into Python and native time, a call tree, peak memory and GC time.
        The cell runs exactly as without the magic; profiling stops and every hook
        is removed when it ends, also on an error or an interrupt.

        Examples::

            %%perf
            df = load(path)
            out = transform(df)

            %%perf -n 20 --warmup 2      # latency distribution over 20 runs
            model(batch)

            %perf -o prof total = compute(data)

            %%perf --engine scalene      # Scalene's profile of a copy of the cell (see --engine)
            out = transform(df)

            %perf on                     # always on: profile every cell (folded output)
            %perf off
        """
        __tracebackhide__ = True  # IPython leaves perfnb's frames out of the user's traceback
        shell = self.shell
        assert shell is not None
        if cell is None and line.strip() in ("on", "off"):
            return self._always_on(line.strip() == "on")
        if cell is None:
            option_text, statement = perf_options.split_statement(line)
            parsed = perf_options.parse(option_text)
            if not statement.strip():
                raise UsageError("%perf needs a statement to profile, e.g. %perf total = compute(data)")
            return _run_profiled(shell, parsed, statement, first_line=1)
        return _run_profiled(shell, perf_options.parse(line), cell, first_line=2)

    def _always_on(self, on: bool) -> None:
        if self.hooks is None:
            raise UsageError("%perf on/off needs the extension: %load_ext perfnb")
        self.hooks.always_on = on
        print("perfnb: every cell is profiled now (%perf off to stop)" if on else "perfnb: always-on profiling is off")


def _current_count(shell: InteractiveShell) -> int:
    result = getattr(shell.displayhook, "exec_result", None)
    count = getattr(result, "execution_count", None)
    return int(count) if isinstance(count, int) else int(shell.execution_count)


def _run_profiled(shell: InteractiveShell, parsed: perf_options.Options, body: str, first_line: int) -> Any:
    """Compile the body once, run the warm-up runs, then the measured runs under the engines."""
    __tracebackhide__ = True
    from .cellrun import CellProgram, RunProgress, strip_own_frames
    from .recorder import NotProfiled, Recording, check_engine

    count = _current_count(shell)
    program = CellProgram(shell, body, first_line, count)
    progress = RunProgress(shell, parsed.warmup, parsed.repeat)
    try:
        try:
            check_engine(parsed)  # before the warm-up runs: a refused cell runs once, unprofiled
        except NotProfiled as exc:
            warn(f"{exc}; running it unprofiled")
            return program.run()
        for _ in range(parsed.warmup):
            program.run()
            progress.advance()
        code = "\n" * (first_line - 1) + shell.transform_cell(body)  # as compiled: editor line numbers
        recording = Recording(parsed, program.is_root, code)
        try:
            recording.start()
        except NotProfiled as exc:
            progress.close()
            warn(f"{exc}; running it unprofiled")
            return program.run()
        if parsed.lines:
            _time_cell_lines(recording, program)
        runs: list[float] = []
        try:
            for _ in range(parsed.repeat):
                started = time.perf_counter()
                value = program.run()
                runs.append(time.perf_counter() - started)
                progress.advance()
        finally:
            progress.close()
            _finish(shell, recording, parsed, count, runs)
    except BaseException as exc:
        progress.close()
        raise strip_own_frames(exc) from exc.__cause__
    return value


def _time_cell_lines(recording: Recording, program: CellProgram) -> None:
    """``--lines``: the body runs as the copy line_profiler times (it does not go through
    IPython's run_code, where the engine swaps a cell's code otherwise)."""
    from .engines.lines import LineTimer

    for engine in recording.engines:
        if isinstance(engine, LineTimer):
            program.swap_code(engine.cell_code)


def _finish(
    shell: InteractiveShell, recording: Recording, parsed: perf_options.Options, count: int, runs: list[float]
) -> None:
    from .model import CellInfo
    from .publish import publish
    from .sources import SourceMap

    sources = SourceMap(shell)
    try:
        source = "\n".join(sources.cell_lines(count))
        profile = recording.stop(CellInfo(count, source), sources, runs or None)
        publish(shell, profile, parsed)
    except Exception as exc:
        from .recorder import abort

        abort(recording)
        warn(f"no profile for this cell: {type(exc).__name__}: {exc}")


class PerfExtension:
    """What %load_ext perfnb installs; %unload_ext removes all of it."""

    def __init__(self, shell: InteractiveShell) -> None:
        self.shell = shell
        self.hooks = CellHooks(shell)

    def load(self) -> None:
        self.shell.register_magics(PerfMagics(self.shell, hooks=self.hooks))
        self.hooks.register()

    def unload(self) -> None:
        self.hooks.unregister()

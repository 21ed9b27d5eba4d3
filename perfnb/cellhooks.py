"""The transparent path for ``%%perf`` cells: the cell runs through IPython untouched.

An input transformer replaces the ``%%perf`` line with an empty line, so IPython
compiles and runs the body itself — input transformers, ``%magic`` and ``!shell``
lines, top-level ``await``, display, ``_``/``Out`` and tracebacks are exactly as
without the magic, and line numbers are those of the editor (``%%perf`` is line 1).
``pre_run_cell`` starts the engines and ``post_run_cell`` (which IPython fires in
a ``finally``, even for a syntax error) stops them and shows the profile.

Cells with ``-n``/``--warmup``, and arguments that do not parse, are left to the
``%%perf`` cell magic (magic.py), which repeats the body or prints the usage.

Always-on mode (``%perf on``) runs every other cell through the same path with the
default options and shows only the profile's static mime bundle, marked
``{"always_on": true}`` in its display metadata.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import re
from types import CodeType
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from . import options as perf_options
from .publish import warn

if TYPE_CHECKING:
    from .model import Profile
    from .recorder import Recording

# The recorder, engines, model and views are imported by the first profiled cell,
# not by %load_ext perfnb, which stays light.

_PERF_LINE = re.compile(r"^%%perf(?:[ \t]+(.*?))?[ \t]*$")


def transparent_options(first_line: str) -> perf_options.Options | None:
    """Options when a cell's first line is a ``%%perf`` this path can run, else None.

    IPython transforms a cell more than once and ``pre_run_cell`` reads the line again: the
    parse (shlex, argparse: milliseconds for a line with many ``-f``) is done once per line."""
    parsed = _parsed_line(first_line)
    # A copy, so the cached parse stays as parsed: its one mutable field is a list of strings.
    return dataclasses.replace(parsed, functions=list(parsed.functions)) if parsed is not None else None


@functools.lru_cache(maxsize=64)
def _parsed_line(first_line: str) -> perf_options.Options | None:
    match = _PERF_LINE.match(first_line.rstrip("\r\n"))
    if match is None or first_line.rstrip().endswith("?"):
        return None
    try:
        parsed = perf_options.parse(match.group(1) or "")
    except UsageError:
        return None
    return None if parsed.repeats else parsed


def _first_line(cell: str) -> str:
    for line in cell.splitlines():
        if line.strip():
            return line
    return ""


def _profiled_always(cell: str) -> bool:
    """Cells always-on mode profiles: not blank, and not a %perf / %%perf cell (those run their own)."""
    first = _first_line(cell).lstrip()
    return bool(first) and not first.startswith(("%perf", "%%perf"))


def _publish_always_on(shell: InteractiveShell, profile: Profile, options: perf_options.Options) -> None:
    """An always-on cell shows its profile's static bundle only (no widget), marked so that the
    JupyterLab renderer shows it folded to one line; the sidebar lists it like any other."""
    from IPython.display import display

    from .model import MIME_TYPE
    from .publish import add_suggestions
    from .render.bundle import mime_bundle

    if options.advice:
        add_suggestions(shell, profile, options.verify)
    display(mime_bundle(profile), raw=True, metadata={MIME_TYPE: {"always_on": True}})


class _RaiseInterrupt(ast.NodeTransformer):
    """Once: replaces the cell's code with ``raise KeyboardInterrupt`` at its first line."""

    def __init__(self, shell: InteractiveShell) -> None:
        self.shell = shell

    def visit_Module(self, node: ast.Module) -> ast.Module:
        if self in self.shell.ast_transformers:
            self.shell.ast_transformers.remove(self)
        message = ast.Constant("interrupted while perfnb was starting; the cell did not run")
        call = ast.Call(func=ast.Name("KeyboardInterrupt", ast.Load()), args=[message], keywords=[])
        raised = ast.Raise(exc=call, cause=None, lineno=1, col_offset=0, end_lineno=1, end_col_offset=0)
        return ast.fix_missing_locations(ast.Module(body=[raised], type_ignores=[]))


class CellHooks:
    def __init__(self, shell: InteractiveShell) -> None:
        self.shell = shell
        self._depth = 0
        self._recording: Recording | None = None
        self._options: perf_options.Options | None = None
        self.always_on = False  # %perf on: every cell is profiled in the default mode
        self._always = False  # the running recording was started by always-on mode

    def register(self) -> None:
        self.shell.input_transformers_cleanup.append(self.transform)
        self.shell.events.register("pre_run_cell", self.pre_run_cell)
        self.shell.events.register("post_run_cell", self.post_run_cell)

    def unregister(self) -> None:
        if self.transform in self.shell.input_transformers_cleanup:
            self.shell.input_transformers_cleanup.remove(self.transform)
        for event, callback in (("pre_run_cell", self.pre_run_cell), ("post_run_cell", self.post_run_cell)):
            if callback in self.shell.events.callbacks[event]:
                self.shell.events.unregister(event, callback)

    def transform(self, lines: list[str]) -> list[str]:
        if lines and _parsed_line(lines[0]) is not None:
            if len(lines) > 1 and lines[1].startswith("%%"):
                # A cell magic under %%perf (%%time, %%capture, %%bash...) must stay the first
                # line for IPython to see it; it runs as one call, so line numbers do not matter.
                return lines[1:]
            return ["\n", *lines[1:]]
        return lines

    def is_cell_code(self, code: CodeType) -> bool:
        mapping = getattr(self.shell.compile, "_filename_map", {})
        return code.co_name == "<module>" and code.co_filename in mapping

    def pre_run_cell(self, info: Any) -> None:
        self._depth += 1
        if self._depth > 1:
            return
        parsed = transparent_options(_first_line(info.raw_cell))
        always = parsed is None and self.always_on and _profiled_always(info.raw_cell)
        if always:
            parsed = perf_options.Options()
        if parsed is None:
            return
        from .recorder import NotProfiled, Recording

        try:
            # --engine scalene runs the cell as IPython compiles it (this class's transform blanks
            # the %%perf line); the other engines never read it.
            code = self.shell.transform_cell(info.raw_cell) if parsed.engine == "scalene" else None
            recording = Recording(parsed, self.is_cell_code, code)
            recording.start()
        except NotProfiled as exc:
            warn(f"{exc}; running it unprofiled")
            return
        except Exception as exc:
            warn(f"could not start: {type(exc).__name__}: {exc}")
            return
        except KeyboardInterrupt:
            # IPython's event trigger would swallow it and run the cell in full: the recording
            # has stopped what started; the cell itself raises it, at its first line, unrun.
            self.shell.ast_transformers.append(_RaiseInterrupt(self.shell))
            return
        self._recording, self._options, self._always = recording, parsed, always

    def post_run_cell(self, result: Any) -> None:
        self._depth = max(0, self._depth - 1)
        for transformer in [t for t in self.shell.ast_transformers if isinstance(t, _RaiseInterrupt)]:
            self.shell.ast_transformers.remove(transformer)  # a cell that did not compile never used it
        if self._depth or self._recording is None or self._options is None:
            return
        recording, parsed, always = self._recording, self._options, self._always
        self._recording = self._options = None
        self._always = False
        from .model import CellInfo
        from .publish import publish
        from .sources import SourceMap

        count = getattr(result, "execution_count", None)
        source = str(getattr(getattr(result, "info", None), "raw_cell", ""))
        try:
            profile = recording.stop(CellInfo(count, source), SourceMap(self.shell, current=(count, source)))
            if always:
                _publish_always_on(self.shell, profile, parsed)
            else:
                publish(self.shell, profile, parsed)
        except Exception as exc:
            from .recorder import abort

            abort(recording)
            warn(f"no profile for this cell: {type(exc).__name__}: {exc}")

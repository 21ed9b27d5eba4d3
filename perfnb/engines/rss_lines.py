"""``--memory=rss``: the process's resident memory change per line, as memory_profiler measures it.

memory_profiler reads the RSS (through psutil) at every line of the functions it
watches and charges each line the change since the line began. perfnb does the
same with psutil, but with its own tracer scoped to the cell and the functions
defined in the notebook: memory_profiler's own tracer stays on for every frame of
the process, and its code map refuses code typed in cells (it wants a file on
disk). A line's change includes what the functions it calls did to the RSS.

The cost is a Python trace call on every call and line of the traced code plus an
RSS read per line — often ten times the cell's time or more — which is why this is
an option, and why ``--memory`` (tracemalloc) is the default.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any

from ..model import Profile
from ..sources import SourceMap
from .aggregate import qualname
from .linetable import LineTable
from .notebook_code import cell_files, ipython_shell

Tracer = Callable[[FrameType, str, Any], Any]


class RssLines:
    name = "rss"

    def __init__(self, is_root: Callable[[CodeType], bool]) -> None:
        self._is_root = is_root
        self._files: set[str] | dict[str, int] = set()
        self._traced: dict[CodeType, bool] = {}
        self._read: Callable[[], int] = lambda: 0
        self._open: dict[FrameType, list[int]] = {}  # frame -> [line, rss when it began]
        self.lines: dict[tuple[CodeType, int], list[int]] = {}  # (code, line) -> [rss change, hits]
        self._installed = False

    def start(self) -> None:
        import psutil  # type: ignore[import-untyped]

        if sys.gettrace() is not None:
            raise RuntimeError("a trace function (a debugger or coverage) is already set; --memory=rss is off")
        process = psutil.Process()
        self._read = lambda: int(process.memory_info().rss)
        self._files = cell_files(ipython_shell())
        sys.settrace(self._on_call)
        self._installed = True

    def stop(self) -> None:
        """Remove the trace function (idempotent); lines still open are closed now."""
        if not self._installed:
            return
        self._installed = False
        if sys.gettrace() == self._on_call:
            sys.settrace(None)
        rss = self._read()
        for frame, (line, began) in list(self._open.items()):
            self._charge(frame.f_code, line, rss - began)
        self._open.clear()

    # -- the tracer (runs on every call while on) -------------------------------
    def _wanted(self, code: CodeType) -> bool:
        wanted = self._traced.get(code)
        if wanted is None:
            wanted = self._traced[code] = self._is_root(code) or code.co_filename in self._files
        return wanted

    def _on_call(self, frame: FrameType, event: str, arg: Any) -> Tracer | None:
        if event != "call" or not self._wanted(frame.f_code):
            return None
        return self._on_line

    def _on_line(self, frame: FrameType, event: str, arg: Any) -> Tracer | None:
        rss = self._read()
        current = self._open.get(frame)
        if current is not None:
            self._charge(frame.f_code, current[0], rss - current[1])
        if event == "line":
            self._open[frame] = [frame.f_lineno, rss]
        elif event == "return":
            self._open.pop(frame, None)
        return self._on_line

    def _charge(self, code: CodeType, line: int, change: int) -> None:
        acc = self.lines.get((code, line))
        if acc is None:
            self.lines[(code, line)] = [change, 1]
        else:
            acc[0] += change
            acc[1] += 1

    def contribute(self, profile: Profile, sources: SourceMap) -> None:
        table = LineTable(profile, sources)
        merged: dict[tuple[str, int], tuple[int, int, str]] = {}
        for (code, line), (change, hits) in self.lines.items():
            key = (code.co_filename, line)
            function = "" if code.co_name == "<module>" else qualname(code)
            # Nested code sharing a line (a comprehension) keeps the outermost code's figures.
            if key not in merged or abs(change) > abs(merged[key][0]):
                merged[key] = (change, hits, function)
        for (filename, line), (change, hits, function) in merged.items():
            stat = table.get(filename, line, function)
            stat.alloc_bytes = change
            if stat.hits is None:
                stat.hits = hits
        table.finish()

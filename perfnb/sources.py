"""Names code the way the user sees it: ``In [5]`` line 3 for cells, a path for files.

IPython compiles each cell under a temporary file name; that name must never be
shown. Its execution count comes from IPython's compiler (``_filename_map``) and
its raw source, with the line numbers of the editor, from IPython's history.
"""

from __future__ import annotations

import linecache
import os
import sys
import sysconfig
from dataclasses import dataclass
from typing import Any

LIBRARY_ROOTS = tuple(
    {p for p in (sysconfig.get_paths().get("stdlib"), sysconfig.get_paths().get("purelib")) if p}
    | {p for p in sys.path if p.endswith(("site-packages", "dist-packages"))}
)


@dataclass(frozen=True)
class Location:
    origin: str  # "cell" or "file"
    cell: int | None
    file: str  # "In [5]" for a cell, else the path
    library: bool  # stdlib or an installed package: collapsed in views


def cell_label(number: int | None) -> str:
    return f"In [{number}]" if number is not None else "In [ ]"


class SourceMap:
    """Maps compiled file names to locations and source lines.

    ``shell`` is an IPython InteractiveShell or None (plain Python).
    ``current`` describes a cell being profiled that IPython has not yet compiled:
    its execution count and raw source.
    """

    def __init__(self, shell: Any = None, current: tuple[int | None, str] | None = None) -> None:
        self._shell = shell
        self._current = current
        self._locations: dict[str, Location] = {}
        self._cell_lines: dict[int | None, list[str]] = {}

    def locate(self, filename: str) -> Location:
        location = self._locations.get(filename)
        if location is None:
            location = self._locations[filename] = self._classify(filename)
        return location

    def _classify(self, filename: str) -> Location:
        number = self._cell_number(filename)
        if number is not None:
            return Location("cell", number, cell_label(number), library=False)
        library = filename.startswith(LIBRARY_ROOTS) or filename.startswith("<frozen ")
        return Location("file", None, filename, library=library)

    def _cell_number(self, filename: str) -> int | None:
        compiler = getattr(self._shell, "compile", None)
        mapping = getattr(compiler, "_filename_map", None) or {}
        number = mapping.get(filename)
        return int(number) if isinstance(number, int) else None

    def line(self, filename: str, lineno: int) -> str:
        """The source text of a line, stripped; empty when unknown."""
        location = self.locate(filename)
        if location.origin == "cell":
            lines = self.cell_lines(location.cell, filename)
            return lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""
        return linecache.getline(filename, lineno).strip()

    def cell_lines(self, number: int | None, filename: str | None = None) -> list[str]:
        """The raw lines of a cell as typed (line 1 is the first line of the editor)."""
        if number in self._cell_lines:
            return self._cell_lines[number]
        source = self._raw_cell_source(number, filename)
        lines = source.splitlines()
        # IPython drops a cell's leading blank lines before compiling it; so do we, so that
        # line numbers match the code's (and IPython's own tracebacks).
        while lines and not lines[0].strip():
            lines.pop(0)
        self._cell_lines[number] = lines
        return lines

    def _raw_cell_source(self, number: int | None, filename: str | None) -> str:
        if self._current is not None and number == self._current[0]:
            return self._current[1]
        history = getattr(getattr(self._shell, "history_manager", None), "input_hist_raw", None)
        if number is not None and history is not None and 0 <= number < len(history):
            return str(history[number])
        if filename is not None:
            return "".join(linecache.getlines(filename))
        return ""


def short_path(path: str) -> str:
    """A path relative to the library root or the working directory, for display."""
    for root in sorted(LIBRARY_ROOTS, key=len, reverse=True):
        if path.startswith(root + os.sep):
            return path[len(root) + 1 :]
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return relative if not relative.startswith("..") else path

"""Merges per-line figures from several engines into ``profile.lines``.

The sampler writes the timed lines first; the memory and line engines add their
figures to the same ``LineStat`` (matched by the location the user sees, e.g.
``In [5]`` line 3) or append a line the sampler never saw.
"""

from __future__ import annotations

from ..model import LineStat, Profile
from ..sources import SourceMap


class LineTable:
    def __init__(self, profile: Profile, sources: SourceMap) -> None:
        self._profile = profile
        self._sources = sources
        self._index = {(s.file, s.line): s for s in profile.lines}

    def is_cell(self, filename: str) -> bool:
        return self._sources.locate(filename).origin == "cell"

    def is_library(self, filename: str) -> bool:
        return self._sources.locate(filename).library

    def get(self, filename: str, lineno: int, function: str = "") -> LineStat:
        """The line's entry in the profile, created (with no time) when absent."""
        location = self._sources.locate(filename)
        key = (location.file, lineno)
        stat = self._index.get(key)
        if stat is None:
            stat = LineStat(
                origin="cell" if location.origin == "cell" else "file",
                cell=location.cell,
                file=location.file,
                line=lineno,
                code=self._sources.line(filename, lineno),
                time_s=0.0,
                native_s=0.0,
                function=function,
            )
            self._index[key] = stat
            self._profile.lines.append(stat)
        elif function and not stat.function:
            stat.function = function
        return stat

    def finish(self) -> None:
        """Cell lines first, in cell and line order, then file lines (as the sampler orders them)."""
        self._profile.lines.sort(key=lambda s: (s.origin != "cell", s.cell or 0, s.file, s.line))

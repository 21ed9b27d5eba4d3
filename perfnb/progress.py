"""A progress bar for ``perfnb run``: one per cell, on stderr.

On a terminal the bar redraws in place; in a CI log (not a terminal) each finished
cell gets one line, so the log stays readable.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from .render import format as fmt

WIDTH = 24


class CellProgress:
    def __init__(self, total: int, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.interactive = bool(getattr(self.stream, "isatty", lambda: False)())
        self._done = 0
        self._label = ""
        self._started = 0.0

    def start(self, label: str) -> None:
        self._label = label
        self._started = time.perf_counter()
        if self.enabled and self.interactive:
            self._draw(f"{self._label} …")

    def finish(self, profiles: int) -> float:
        """Mark the current cell done; returns its wall time."""
        elapsed = time.perf_counter() - self._started
        self._done += 1
        if self.enabled:
            note = f"{fmt.seconds(elapsed)}" + (f", {profiles} profile{'s' * (profiles != 1)}" if profiles else "")
            if self.interactive:
                self._draw(f"{self._label} ({note})")
            else:
                print(f"perfnb: {self._bar()} {self._done}/{self.total} {self._label} ({note})", file=self.stream)
        return elapsed

    def close(self) -> None:
        if self.enabled and self.interactive:
            print(file=self.stream)

    def _bar(self) -> str:
        filled = round(WIDTH * self._done / self.total) if self.total else WIDTH
        return "[" + "#" * filled + "-" * (WIDTH - filled) + "]"

    def _draw(self, text: str) -> None:
        line = f"perfnb {self._bar()} {self._done}/{self.total} {text}"
        self.stream.write("\r\x1b[2K" + line[:160])
        self.stream.flush()

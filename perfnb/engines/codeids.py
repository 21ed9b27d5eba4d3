"""Code objects known by their id on hot paths (a sampler tick, every torch call).

Hashing a code object hashes its name, constants and names; an int costs nothing.
Each code object is kept alive here, so its id is never reused for another one.
"""

from __future__ import annotations

from types import CodeType


class CodeIds:
    def __init__(self) -> None:
        self._codes: dict[int, CodeType] = {}

    def ident(self, code: CodeType) -> int:
        """The id that stands for ``code``; the code is kept alive."""
        ident = id(code)
        if ident not in self._codes:
            self._codes[ident] = code
        return ident

    def __getitem__(self, ident: int) -> CodeType:
        return self._codes[ident]

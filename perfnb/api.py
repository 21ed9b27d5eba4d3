"""The Python API: ``with perfnb.profile() as run: ...`` for scripts and tests."""

from __future__ import annotations

import sys
from types import CodeType, TracebackType
from typing import Any

from .model import CellInfo, Profile
from .options import Options
from .recorder import Recording
from .sources import SourceMap


class ProfileBlock:
    """Profiles the statements inside a ``with`` block; ``profile`` is set on exit."""

    def __init__(self, interval_ms: float = 1.0, threads: bool = True) -> None:
        self.options = Options(interval_s=interval_ms / 1000.0, threads=threads)
        self.profile: Profile | None = None
        self._recording: Recording | None = None
        self._caller: CodeType | None = None

    def __enter__(self) -> ProfileBlock:
        self._caller = sys._getframe(1).f_code
        caller = self._caller
        self._recording = Recording(self.options, lambda code: code is caller)
        self._recording.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._recording is not None
        shell = _ipython()
        self.profile = self._recording.stop(CellInfo(None, ""), SourceMap(shell))

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        from .render.bundle import mime_bundle

        return mime_bundle(self.profile) if self.profile is not None else {"text/plain": "perfnb: not run yet"}


def _ipython() -> Any:
    module = sys.modules.get("IPython")
    return module.get_ipython() if module is not None else None

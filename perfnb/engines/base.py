"""The interface every engine implements."""

from __future__ import annotations

from typing import Protocol

from ..model import Profile
from ..sources import SourceMap


class Engine(Protocol):
    """An engine measures one aspect of a run.

    ``start`` installs its hooks; ``stop`` removes every one of them and is safe to
    call twice or after a failed ``start``; ``contribute`` writes its part of the
    Profile after ``stop``.
    """

    name: str

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def contribute(self, profile: Profile, sources: SourceMap) -> None: ...

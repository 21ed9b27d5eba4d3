"""CPU-GPU syncs in the default mode, counted without torch.profiler.

torch has no public hook on synchronisation, but in CUDA sync-debug mode "warn"
(``torch.cuda.set_sync_debug_mode``) each synchronising operation torch checks —
``.item()``, ``.cpu()``/``.tolist()``/``.numpy()`` of a device tensor, ``nonzero``,
copies to the host, ``Stream.synchronize()`` — issues the Python warning "called a
synchronizing CUDA operation". For the cell, this engine turns that mode on (when it
is off), counts those warnings and keeps them out of the user's view. While nothing
synchronises it costs nothing; each sync costs one Python warning. Not counted:
``torch.cuda.synchronize()`` and ``Event.synchronize()`` (torch does not check them),
so the figure is the implicit syncs, where ``--torch`` counts explicit ones too.

It runs only when the kernel already uses CUDA through torch. A kernel in mode
"error" is left as it is (the cell fails on its first sync, as it would unprofiled)
and its syncs are not counted; in mode "warn" the user's warnings still show.
"""

from __future__ import annotations

import re
import warnings
from typing import Any, TextIO, cast

from ..model import Profile
from ..sources import SourceMap
from .torch_device import cuda_in_use, device_name, loaded_torch, torch_section

MESSAGE = "called a synchronizing CUDA operation"  # torch appends " (Triggered internally at ...)"
OFF, WARN, ERROR = 0, 1, 2  # torch.cuda.get_sync_debug_mode()


class SyncCounter:
    name = "syncs"

    def __init__(self, torch: Any = None) -> None:
        self._torch = torch
        self._mode: int | None = None  # the kernel's sync-debug mode; None: not counting
        self._filter: Any = None
        self._shown: Any = None  # warnings.showwarning as it was
        self._stopped = False
        self._errors: list[str] = []
        self.syncs = 0

    def start(self) -> None:
        torch = self._torch = self._torch or loaded_torch()
        if not cuda_in_use(torch):
            return  # no device in use: nothing can synchronise with it
        mode = int(torch.cuda.get_sync_debug_mode())
        if mode == ERROR:
            self._errors.append("CPU-GPU syncs not counted: this kernel runs in CUDA sync-debug mode 'error'")
            return
        warnings.filterwarnings("always", message=re.escape(MESSAGE), category=UserWarning)
        self._filter = warnings.filters[0]
        self._shown = warnings.showwarning
        warnings.showwarning = self._show
        self._mode = mode
        if mode == OFF:
            torch.cuda.set_sync_debug_mode(WARN)

    def _show(
        self,
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        if issubclass(category, UserWarning) and str(message).startswith(MESSAGE):
            self.syncs += 1
            if self._mode == OFF:
                return  # perfnb turned these warnings on: the user does not see them
        self._shown(message, category, filename, lineno, file, line)

    def stop(self) -> None:
        """Restore the sync-debug mode, the warnings filters and ``showwarning``; idempotent."""
        if self._mode is None or self._stopped:
            return
        self._stopped = True
        try:
            if self._mode == OFF:
                self._torch.cuda.set_sync_debug_mode(OFF)
        finally:
            if warnings.showwarning == self._show:
                warnings.showwarning = self._shown
            else:  # the cell replaced showwarning after us: its replacement stays
                self._errors.append("the cell replaced warnings.showwarning; CPU-GPU syncs after that not counted")
            filters = cast(list[Any], warnings.filters)  # a list (typeshed says Sequence)
            if self._filter in filters:  # read on every warning: taking it out is enough
                filters.remove(self._filter)

    def contribute(self, profile: Profile, sources: SourceMap) -> None:
        profile.meta.errors.extend(self._errors)
        if self._mode is None:
            return
        torch_section(profile, device_name(self._torch)).syncs = self.syncs

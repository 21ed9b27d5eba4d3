"""Exact FLOP counts (``%%perf --flops``): torch's FlopCounterMode, in total and per nn.Module.

A TorchDispatchMode that sees every aten op (forward and backward) and counts the
FLOPs of matmuls, convolutions and attention from their shapes: exact, but each op
goes through Python, so it is its own option rather than part of ``--torch``.
"""

from __future__ import annotations

from typing import Any

from ..model import Profile
from ..sources import SourceMap
from .torch_device import device_name, fill_rates, import_torch, torch_section

MODULE_DEPTH = 2  # "Model" and "Model.layer": deeper modules are in their parents' totals


class FlopCounter:
    name = "flops"

    def __init__(self) -> None:
        self._torch: Any = None
        self._counter: Any = None
        self._entered = False
        self._errors: list[str] = []

    def start(self) -> None:
        self._torch = import_torch()
        from torch.utils.flop_counter import FlopCounterMode

        self._counter = FlopCounterMode(display=False, depth=MODULE_DEPTH)
        self._counter.__enter__()
        self._entered = True

    def stop(self) -> None:
        """Leave FlopCounterMode (its dispatch mode and module hooks); idempotent."""
        if not self._entered:
            return
        self._entered = False
        from torch.utils._python_dispatch import _get_current_dispatch_mode

        if _get_current_dispatch_mode() is self._counter.mode:
            self._counter.__exit__(None, None, None)
        else:
            self._counter.mod_tracker.__exit__()
            self._counter = None
            self._errors.append("the cell left a torch dispatch mode active; FLOPs not counted")

    def contribute(self, profile: Profile, sources: SourceMap) -> None:
        profile.meta.errors.extend(self._errors)
        if self._counter is None:
            return
        section = torch_section(profile, device_name(self._torch))
        section.flops = int(self._counter.get_total_flops())
        section.flops_source = "FlopCounterMode"
        section.module_flops = {
            name: int(sum(counts.values()))
            for name, counts in self._counter.get_flop_counts().items()
            if name != "Global" and name.count(".") < MODULE_DEPTH and sum(counts.values())
        }
        for module in section.modules:  # FlopCounterMode names an outermost module by its class
            module.flops = section.module_flops.get(module.type)
        fill_rates(section, profile.timing.wall_s, bool(self._torch.backends.cuda.matmul.allow_tf32))

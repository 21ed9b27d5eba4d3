"""Cheap CUDA facts for the default mode: device memory peak allocated and reserved.

Runs when the cell's kernel already imported torch and initialised CUDA; it reads
the caching allocator's counters and never calls torch.profiler. It does not reset
the allocator's peak statistics (the user's own ``max_memory_allocated`` readings
stay as they were), so when the cell did not beat the process's earlier peak the
figure is the larger of the start and end levels: a lower bound, and marked as one.
"""

from __future__ import annotations

from typing import Any

from ..model import Profile
from ..sources import SourceMap
from .torch_device import cuda_in_use, device_name, loaded_torch, torch_section


class DeviceMemory:
    name = "device-memory"

    def __init__(self) -> None:
        self._torch: Any = None
        self._before: tuple[int, int, int] | None = None  # allocated, max allocated, max reserved
        self._after: tuple[int, int, int, int] | None = None  # + reserved

    def start(self) -> None:
        torch = loaded_torch()
        if not cuda_in_use(torch):
            return  # nothing on a device to measure: stay off, import nothing
        self._torch = torch
        cuda = torch.cuda
        self._before = (int(cuda.memory_allocated()), int(cuda.max_memory_allocated()), int(cuda.max_memory_reserved()))

    def stop(self) -> None:
        if self._before is None or self._after is not None:
            return
        cuda = self._torch.cuda
        self._after = (
            int(cuda.memory_allocated()),
            int(cuda.max_memory_allocated()),
            int(cuda.max_memory_reserved()),
            int(cuda.memory_reserved()),
        )

    def contribute(self, profile: Profile, sources: SourceMap) -> None:
        if self._before is None or self._after is None:
            return
        peak, exact, reserved = device_peaks(self._before, self._after)
        section = torch_section(profile, device_name(self._torch))
        if section.device_memory_peak_bytes is None:  # --torch measures it exactly from its events
            section.device_memory_peak_bytes = peak
            section.device_memory_peak_is_lower_bound = not exact
        section.device_memory_reserved_peak_bytes = reserved


def device_peaks(before: tuple[int, int, int], after: tuple[int, int, int, int]) -> tuple[int, bool, int]:
    """(peak allocated, whether it is exact, peak reserved) from the counters around the cell.

    A process peak that rose during the cell was reached in it: exact. Otherwise the
    cell's peak lies between max(start, end) and the old process peak.
    """
    allocated0, max_allocated0, max_reserved0 = before
    allocated1, max_allocated1, max_reserved1, reserved1 = after
    if max_allocated1 > max_allocated0:
        peak, exact = max_allocated1, True
    else:
        peak, exact = max(allocated0, allocated1), False
    reserved = max_reserved1 if max_reserved1 > max_reserved0 else reserved1
    return peak, exact, reserved

"""GPU utilisation and memory sampled through NVML (``%%perf --gpu``): the ``gpu`` section.

A daemon thread reads ``nvmlDeviceGetUtilizationRates`` and ``nvmlDeviceGetMemoryInfo``
every ``interval_s``. These are device-wide figures (every process on the GPU), shown
as a timeline for the cell and never charged to its lines.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from ..model import GpuSection, Profile
from ..sources import SourceMap
from .torch_device import cuda_ready, import_torch

NO_GPU = "no GPU here (torch sees no CUDA device): --gpu profiled with torch on the CPU, without NVML samples"
MAX_POINTS = 2_000


class NvmlSampler:
    name = "nvml"

    def __init__(self, interval_s: float = 0.02, nvml: Any = None, device_index: int | None = None) -> None:
        self.interval_s = interval_s
        self._nvml = nvml
        self._index = device_index
        self._handle: Any = None
        self._device = ""
        self._utilization: list[list[float]] = []
        self._memory: list[list[float]] = []
        self._thread: threading.Thread | None = None
        self._halt = threading.Event()
        self._initialised = False
        self._errors: list[str] = []

    def start(self) -> None:
        if self._nvml is None:
            torch = import_torch()
            if not cuda_ready(torch):
                raise RuntimeError(NO_GPU)
            try:
                import pynvml
            except ImportError as exc:
                raise RuntimeError("nvidia-ml-py is not installed (pip install 'perfnb[gpu]')") from exc
            self._nvml = pynvml
            if self._index is None:
                self._index = int(torch.cuda.current_device())
        nvml = self._nvml
        nvml.nvmlInit()
        self._initialised = True
        self._handle = nvml.nvmlDeviceGetHandleByIndex(self._index or 0)
        name = nvml.nvmlDeviceGetName(self._handle)
        self._device = name.decode() if isinstance(name, bytes) else str(name)
        self._t0 = time.perf_counter()
        self._sample()
        self._thread = threading.Thread(target=self._run, name="perfnb-nvml", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._halt.wait(self.interval_s):
            try:
                self._sample()
            except Exception as exc:  # a failing read ends the samples, never the cell
                self._errors.append(f"NVML sampling stopped: {type(exc).__name__}: {exc}")
                return

    def _sample(self) -> None:
        nvml = self._nvml
        t = time.perf_counter() - self._t0
        self._utilization.append([t, float(nvml.nvmlDeviceGetUtilizationRates(self._handle).gpu)])
        self._memory.append([t, float(nvml.nvmlDeviceGetMemoryInfo(self._handle).used)])
        if len(self._utilization) > MAX_POINTS:
            self._utilization = self._utilization[::2]
            self._memory = self._memory[::2]
            self.interval_s *= 2

    def stop(self) -> None:
        """End the sampling thread and shut NVML down (idempotent)."""
        self._halt.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None
            try:
                self._sample()  # the last reading, at the cell's end
            except Exception as exc:
                self._errors.append(f"NVML: {type(exc).__name__}: {exc}")
        if self._initialised:
            self._initialised = False
            self._nvml.nvmlShutdown()

    def contribute(self, profile: Profile, sources: SourceMap) -> None:
        profile.meta.errors.extend(self._errors)
        if self._device:
            profile.gpu = GpuSection(device=self._device, utilization=self._utilization, memory=self._memory)

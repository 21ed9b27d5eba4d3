"""Which torch engines a profile runs, from its options and from whether the cell uses torch."""

from __future__ import annotations

from collections.abc import Callable
from types import CodeType

from ..model import Profile
from ..options import Options
from ..sources import SourceMap
from .base import Engine
from .torch_device import TorchMissing, cuda_in_use, import_torch, loaded_torch


def torch_engines(options: Options, is_root: Callable[[CodeType], bool]) -> list[Engine]:
    """``--torch``/``--gpu``/``--trace``: the profiler engine (and NVML for --gpu); ``--flops``:
    FlopCounterMode. Without them, when the kernel already uses CUDA through torch, only the cheap
    facts: device memory peak and CPU-GPU syncs. torch is imported here only when asked for."""
    engines: list[Engine] = []
    if options.torch or options.flops:
        try:
            import_torch()
        except TorchMissing as exc:
            return [Unavailable("torch", str(exc))]  # one line says so; the cell runs as usual
    torch = loaded_torch()
    on_device = cuda_in_use(torch)
    if options.torch or options.flops or on_device:
        from .device_memory import DeviceMemory

        engines.append(DeviceMemory())
    if on_device and not options.torch:  # --torch counts syncs from its own events
        from .torch_syncs import SyncCounter

        engines.append(SyncCounter())
    if options.torch:
        from .torch_ops import TorchOps

        engines.append(TorchOps(is_root, trace_path=options.trace, python_stacks=not options.flops))
    if options.flops:
        from .flops import FlopCounter

        engines.append(FlopCounter())
    if options.gpu:
        from .nvml import NvmlSampler

        engines.append(NvmlSampler())
    return engines


class Unavailable:
    """An engine that cannot run here: its start() fails with the reason, once."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self._reason = reason

    def start(self) -> None:
        raise RuntimeError(self._reason)

    def stop(self) -> None:
        pass

    def contribute(self, profile: Profile, sources: SourceMap) -> None:
        pass

"""What the torch engines share: importing torch lazily, naming the device, the torch section.

torch is imported only when a torch engine starts (``--torch``/``--gpu``/``--flops``)
or found in ``sys.modules`` when the user's cell already imported it.
"""

from __future__ import annotations

import sys
from typing import Any

from ..model import Profile, TorchSection

MISSING = "PyTorch is not installed (pip install 'perfnb[torch]'); the cell ran without torch profiling"


class TorchMissing(RuntimeError):
    """--torch was asked for where torch cannot be imported."""


def import_torch() -> Any:
    """The torch module, imported now; TorchMissing (one line for the user) when absent."""
    try:
        import torch
    except ImportError as exc:
        raise TorchMissing(MISSING) from exc
    return torch


def loaded_torch() -> Any:
    """torch if something already imported it, else None (never imports it)."""
    return sys.modules.get("torch")


def cuda_in_use(torch: Any) -> bool:
    """torch (or None) has initialised CUDA: only then can anything be on a GPU."""
    return torch is not None and bool(torch.cuda.is_initialized())


def cuda_ready(torch: Any) -> bool:
    """A CUDA device is usable (never initialises CUDA when torch was built without it)."""
    return bool(torch.backends.cuda.is_built() and torch.cuda.is_available())


def device_name(torch: Any) -> str:
    """``cuda:0 (NVIDIA H100 80GB HBM3)`` on a GPU, ``cpu`` otherwise."""
    if cuda_ready(torch):
        index = torch.cuda.current_device()
        return f"cuda:{index} ({torch.cuda.get_device_name(index)})"
    return "cpu"


def torch_section(profile: Profile, device: str) -> TorchSection:
    """The profile's torch section, created on first use by whichever torch engine contributes first."""
    if profile.torch is None:
        profile.torch = TorchSection(device=device)
    return profile.torch


def fill_rates(section: TorchSection, wall_s: float, tf32_allowed: bool) -> None:
    """Achieved FLOP/s over the cell's wall time and, on a GPU in the peak table, its share of peak."""
    from ..gpu_peaks import peak_flops_per_s, rate_dtype

    if not section.flops or wall_s <= 0:
        return
    section.flops_per_s = section.flops / wall_s
    if section.device.startswith("cuda"):
        dtype = rate_dtype(section.dtype, tf32_allowed)
        peak = peak_flops_per_s(section.device, dtype)
        if peak:
            section.peak_flops_per_s = peak
            section.peak_fraction = section.flops_per_s / peak

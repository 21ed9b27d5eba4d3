"""What the user's objects are, asked without importing NumPy, pandas or torch: a library
that is not in ``sys.modules`` cannot have made any of the user's objects."""

from __future__ import annotations

import sys
from typing import Any


def _module(name: str) -> Any:
    return sys.modules.get(name)


def is_ndarray(obj: Any) -> bool:
    np = _module("numpy")
    return np is not None and isinstance(obj, np.ndarray)


def is_dataframe(obj: Any) -> bool:
    pd = _module("pandas")
    return pd is not None and isinstance(obj, pd.DataFrame)


def is_pandas(obj: Any) -> bool:
    pd = _module("pandas")
    return pd is not None and isinstance(obj, (pd.DataFrame, pd.Series))


def is_module(obj: Any) -> bool:
    torch = _module("torch")
    return torch is not None and isinstance(obj, torch.nn.Module)


def is_tensor(obj: Any) -> bool:
    torch = _module("torch")
    return torch is not None and isinstance(obj, torch.Tensor)


def is_dataloader(obj: Any) -> bool:
    data = _module("torch.utils.data")
    return data is not None and isinstance(obj, data.DataLoader)


def nbytes(obj: Any) -> int:
    """Bytes held by an array, tensor or DataFrame; 0 for anything else."""
    if is_ndarray(obj):
        return int(obj.nbytes)
    if is_tensor(obj):
        return int(obj.element_size() * obj.nelement())
    if is_pandas(obj):
        return int(obj.memory_usage(deep=False).sum()) if is_dataframe(obj) else int(obj.memory_usage(deep=False))
    return 0


def describe(obj: Any) -> str:
    """``200,000 float64 (1.6 MB)`` for an array, ``list of 5,000`` for a list."""
    from ..render.format import size

    if is_ndarray(obj) or is_tensor(obj):
        shape = "×".join(f"{d:,}" for d in obj.shape) or "scalar"
        dtype = str(obj.dtype).replace("torch.", "")
        return f"{shape} {dtype} ({size(nbytes(obj))})"
    if is_dataframe(obj):
        return f"DataFrame of {len(obj):,} rows × {len(obj.columns)} columns"
    if isinstance(obj, (list, tuple, set, dict, str)):
        return f"{type(obj).__name__} of {len(obj):,}"
    return type(obj).__name__


def parameters(module: Any) -> tuple[int, int, int]:
    """(all parameters, parameters in Linear layers, bytes of all parameters) of a torch module."""
    torch = _module("torch")
    total = linear = size = 0
    for p in module.parameters():
        total += p.numel()
        size += p.numel() * p.element_size()
    if torch is not None:
        for m in module.modules():
            if isinstance(m, torch.nn.Linear):
                linear += sum(p.numel() for p in m.parameters(recurse=False))
    return total, linear, size


def module_device(module: Any) -> str:
    for p in module.parameters():
        return str(p.device)
    return "cpu"

"""The nn.Modules a cell called: parameters, bytes, dtypes and device of each outermost one.

A global forward pre-hook (``register_module_forward_pre_hook``) counts the calls;
it is removed in ``stop``. Only outermost modules are listed: a model's layers
are inside its totals.
"""

from __future__ import annotations

import sys
from typing import Any

from ..model import TorchModule


class ModuleWatcher:
    def __init__(self, torch: Any) -> None:
        self._torch = torch
        self._calls: dict[int, list[Any]] = {}  # id -> [module, calls]
        self._handle: Any = None

    def start(self) -> None:
        register = self._torch.nn.modules.module.register_module_forward_pre_hook
        self._handle = register(self._hook)

    def _hook(self, module: Any, args: Any) -> None:
        entry = self._calls.get(id(module))
        if entry is None:
            self._calls[id(module)] = [module, 1]
        else:
            entry[1] += 1

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None

    def summary(self, limit: int = 20) -> list[TorchModule]:
        """Outermost modules called, largest first; drops the references it held."""
        called = self._calls
        self._calls = {}
        inner: set[int] = set()
        for module, _ in called.values():
            inner.update(id(m) for m in module.modules() if m is not module)
        names = _user_names()
        out = []
        for key, (module, calls) in called.items():
            if key in inner:
                continue
            tensors = [*module.parameters(), *module.buffers()]
            params = sum(int(p.numel()) for p in module.parameters())
            out.append(
                TorchModule(
                    name=names.get(key, type(module).__name__),
                    type=type(module).__name__,
                    params=params,
                    bytes=sum(int(t.numel()) * int(t.element_size()) for t in tensors),
                    dtypes=sorted({str(t.dtype).removeprefix("torch.") for t in tensors}),
                    device=str(tensors[0].device) if tensors else "",
                    calls=calls,
                )
            )
        out.sort(key=lambda m: (m.bytes, m.calls), reverse=True)
        return out[:limit]

    def dominant_dtype(self, modules: list[TorchModule]) -> str:
        """The parameter dtype holding the most bytes ("" when no module has parameters)."""
        best = max((m for m in modules if m.dtypes), key=lambda m: m.bytes, default=None)
        return best.dtypes[0] if best is not None and len(best.dtypes) == 1 else ""


def _user_names() -> dict[int, str]:
    """Variable names of the user's namespace (IPython's, else ``__main__``), by object id."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    namespace = getattr(shell, "user_ns", None)
    if namespace is None:
        namespace = getattr(sys.modules.get("__main__"), "__dict__", {})
    return {id(v): k for k, v in list(namespace.items()) if not k.startswith("_")}

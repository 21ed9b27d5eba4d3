"""Which notebook line launched each torch op, and which calls synchronised with the device.

torch.profiler's own stacks (``with_stack``) name a function by its first line, so
they cannot tell ``y = model(x)`` from ``loss.item()`` in the same cell. A
``TorchFunctionMode`` sees every torch call the user's code makes (``F.linear``,
``Tensor.item``, ``loss.backward``...) before it runs: it finds the user's frames on
the stack (cells and the user's own files, up to the profiled cell) and wraps the
call in a profiler annotation ``perfnb@N``, so every op and kernel launched inside
is the child of the call site ``N``. The mode only labels; it runs each call as is.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from types import CodeType, FrameType
from typing import Any

from ..sources import SourceMap
from .codeids import CodeIds

PREFIX = "perfnb@"
INTERNAL = PREFIX + "internal"  # perfnb's own work inside the profile (left out of every figure)
PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
MAX_USER_FRAMES = 32
USER, ROOT = 1, 2  # a code object's kind: the user's code, the profiled region's root (library code: 0)

# Tensor methods and torch functions that make the host wait for the device: they
# read a value back (item, tolist, bool(t)...), copy to the host, or have an output
# shape that depends on the data (nonzero, masked_select, unique...).
READ_BACK = frozenset(
    {"item", "tolist", "numpy", "cpu", "__bool__", "__int__", "__float__", "__index__"}
)
DATA_DEPENDENT = frozenset(
    {"nonzero", "argwhere", "masked_select", "unique", "unique_consecutive", "repeat_interleave", "where"}
)
SYNC_RUNTIME_CALLS = frozenset(
    {"cudaDeviceSynchronize", "cudaStreamSynchronize", "cudaEventSynchronize", "cudaMemcpy"}
)

# One user frame: (file name as compiled, line number, function name or "" at module level).
Frame = tuple[str, int, str]


def syncs_with_device(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Whether calling ``name`` on these arguments waits for a GPU (or other device).

    Only tensors on a device other than the CPU (and ``meta``) can make the host wait;
    ``to``/``copy_`` count when they bring a device tensor to the CPU, ``where``
    only in its one-argument, data-dependent form.
    """
    if name == "where" and len(args) + len(kwargs) != 1:
        return False
    if name in READ_BACK or name in DATA_DEPENDENT:
        return _on_device(args)
    if name == "to":
        return _on_device(args[:1]) and _names_cpu((*args[1:], kwargs.get("device")))
    if name == "copy_":
        return _device_type(args[0]) == "cpu" and _on_device(args[1:2]) if args else False
    return False


def _device_type(value: Any) -> str | None:
    device = getattr(value, "device", None)
    kind = getattr(device, "type", None)
    return kind if isinstance(kind, str) else None


def _on_device(args: tuple[Any, ...]) -> bool:
    for value in args:
        items = value if isinstance(value, (list, tuple)) else (value,)
        for item in items:
            kind = _device_type(item)
            if kind is not None and kind not in ("cpu", "meta"):
                return True
    return False


def _names_cpu(values: tuple[Any, ...]) -> bool:
    """A device argument (``"cpu"``, ``torch.device("cpu")`` or a CPU tensor) names the CPU."""
    for value in values:
        if isinstance(value, str) and value.split(":")[0] == "cpu":
            return True
        if getattr(value, "type", None) == "cpu" or _device_type(value) == "cpu":
            return True
    return False


@dataclass
class CallSite:
    """One distinct call site: the user frames from the innermost to the cell."""

    frames: tuple[Frame, ...]
    label: str
    calls: int = 0
    syncs: int = 0


@dataclass
class CallSites:
    """Call sites in the order first seen; ``by_label`` finds one from its annotation."""

    sites: list[CallSite] = field(default_factory=list)
    by_key: dict[tuple[int, ...], CallSite] = field(default_factory=dict)
    by_label: dict[str, CallSite] = field(default_factory=dict)

    def site(self, key: tuple[int, ...], frames: Callable[[tuple[int, ...]], tuple[Frame, ...]]) -> CallSite:
        found = self.by_key.get(key)
        if found is None:
            found = CallSite(frames(key), f"{PREFIX}{len(self.sites)}")
            self.sites.append(found)
            self.by_key[key] = found
            self.by_label[found.label] = found
        return found


class UserFrames:
    """Finds the user's frames on a stack: cells and the user's files, not libraries or perfnb.

    Runs on every torch call, so each code object is classified once and is known by its
    id afterwards, in the kinds and in the keys (codeids.py).
    """

    def __init__(self, is_root: Callable[[CodeType], bool]) -> None:
        self._is_root = is_root
        self._classify = SourceMap(None)
        self._kinds: dict[int, int] = {}  # id(code) -> 0 (a library), USER, or USER | ROOT
        self._codes = CodeIds()

    def _kind(self, code: CodeType) -> int:
        filename = code.co_filename
        library = (
            filename.startswith(PACKAGE_DIR)
            or filename.startswith("<frozen")
            or self._classify.locate(filename).library
        )
        kind = (0 if library else USER) | (ROOT if self._is_root(code) else 0)
        self._kinds[self._codes.ident(code)] = kind
        return kind

    def key(self, frame: FrameType | None) -> tuple[int, ...] | None:
        """(code id, line, code id, line, ...) of the user frames up to the profiled cell; None outside it."""
        parts: list[int] = []
        kinds = self._kinds
        while frame is not None:
            code = frame.f_code
            ident = id(code)
            kind = kinds.get(ident)
            if kind is None:
                kind = self._kind(code)
            if kind & USER and len(parts) < 2 * MAX_USER_FRAMES:
                parts.append(ident)
                parts.append(frame.f_lineno)
            if kind & ROOT:
                return tuple(parts) if parts else None
            frame = frame.f_back
        return None

    def frames(self, key: tuple[int, ...]) -> tuple[Frame, ...]:
        """The frames a key stands for."""
        out = []
        for ident, line in zip(key[0::2], key[1::2], strict=True):
            code = self._codes[ident]
            name = "" if code.co_name == "<module>" else str(getattr(code, "co_qualname", code.co_name))
            out.append((code.co_filename, line, name))
        return tuple(out)


def make_line_tagger(torch: Any, is_root: Callable[[CodeType], bool]) -> Any:
    """A TorchFunctionMode that annotates each torch call with its call site (see module doc)."""
    from torch.overrides import TorchFunctionMode

    annotate = _annotation_factory(torch)

    class LineTagger(TorchFunctionMode):
        def __init__(self) -> None:
            super().__init__()
            self.sites = CallSites()
            self.frames = UserFrames(is_root)

        def __torch_function__(
            self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None
        ) -> Any:
            if kwargs is None:
                kwargs = {}
            key = self.frames.key(sys._getframe(1))
            if key is None:
                return func(*args, **kwargs)
            site = self.sites.site(key, self.frames.frames)
            site.calls += 1
            if syncs_with_device(getattr(func, "__name__", ""), args, kwargs):
                site.syncs += 1
            with annotate(site.label):
                return func(*args, **kwargs)

    return LineTagger()


def _annotation_factory(torch: Any) -> Callable[[str], Any]:
    fast = getattr(getattr(torch._C, "_profiler", None), "_RecordFunctionFast", None)
    if fast is not None:
        return fast  # type: ignore[no-any-return]
    return torch.autograd.profiler.record_function  # type: ignore[no-any-return]

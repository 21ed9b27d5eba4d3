"""Evaluated inside the kernel after every cell (as a ``user_expressions`` entry of the
execute request, so it adds no cell, no execution count and no name to the namespace).

``state(shell)`` returns JSON: the process-wide hooks a profiler could leave behind
(``hooks``) and a normalised summary of the user namespace (``namespace``).
This module must not import perfnb: it runs in the kernels without it too.
"""

from __future__ import annotations

import gc
import json
import re
import reprlib
import signal
import sys
import threading
from typing import Any

# History entries that contain the cell as typed — "%%perf" included — differ by design.
HISTORY_NAMES = re.compile(r"^(In|_ih|_i\d*|_ii|_iii|_dh|_oh|Out|exit|quit|get_ipython|__.*__)$")
ADDRESS = re.compile(r"0x[0-9a-fA-F]+")

_repr = reprlib.Repr()
_repr.maxstring = 200
_repr.maxother = 200
_repr.maxlist = _repr.maxtuple = _repr.maxdict = _repr.maxset = 20


def _safe_repr(value: Any) -> str:
    try:
        text = _repr.repr(value)
    except Exception as exc:  # a user object whose repr raises
        text = f"<repr raised {type(exc).__name__}>"
    return ADDRESS.sub("0x?", text)


def _describe(value: Any) -> str:
    return f"{type(value).__module__}.{type(value).__qualname__}: {_safe_repr(value)}"


def _handler_name(handler: Any) -> str:
    if handler in (signal.SIG_DFL, signal.SIG_IGN, None):
        return str(handler)
    owner = getattr(handler, "__self__", None)
    module = type(owner).__module__ if owner is not None else getattr(handler, "__module__", "?")
    return f"{module}.{getattr(handler, '__qualname__', type(handler).__name__)}"


def _running_watchers() -> int:
    """perfnb's native watchers still running (bare threads, not in threading.enumerate())."""
    sampler = sys.modules.get("perfnb.engines.sampler")
    return sampler.running_watchers(wait_s=1.0) if sampler is not None else 0


def hooks() -> dict[str, Any]:
    """Everything process-wide that perfnb (or any profiler) could install."""
    state: dict[str, Any] = {
        "signals": {
            name: _handler_name(signal.getsignal(getattr(signal, name)))
            for name in ("SIGALRM", "SIGPROF", "SIGVTALRM", "SIGINT", "SIGUSR1", "SIGUSR2")
        },
        "itimers": {
            name: list(signal.getitimer(getattr(signal, name)))
            for name in ("ITIMER_REAL", "ITIMER_PROF", "ITIMER_VIRTUAL")
        },
        "trace": _handler_name(sys.gettrace()) if sys.gettrace() else None,
        "profile": _handler_name(sys.getprofile()) if sys.getprofile() else None,
        "threading_trace": repr(getattr(threading, "gettrace", lambda: None)()),
        "threading_profile": repr(getattr(threading, "getprofile", lambda: None)()),
        "perfnb_threads": sorted(t.name for t in threading.enumerate() if t.name.startswith("perfnb")),
        "perfnb_watchers": _running_watchers(),
        "gc_callbacks": sorted(_handler_name(cb) for cb in gc.callbacks),
        "switch_interval": sys.getswitchinterval(),
        "recursion_limit": sys.getrecursionlimit(),
    }
    tracemalloc = sys.modules.get("tracemalloc")
    state["tracemalloc"] = bool(tracemalloc and tracemalloc.is_tracing())
    monitoring = getattr(sys, "monitoring", None)
    if monitoring is not None:  # Python 3.12+
        state["monitoring"] = [monitoring.get_tool(i) for i in range(6)]
    torch = sys.modules.get("torch")
    if torch is not None:
        profiler = getattr(getattr(torch, "autograd", None), "profiler", None)
        enabled = getattr(profiler, "_is_profiler_enabled", None) if profiler is not None else None
        state["torch_profiler"] = bool(enabled)
    recorder = sys.modules.get("perfnb.recorder")
    state["perfnb_active_recording"] = recorder is not None and recorder.Recording._active is not None
    return state


def namespace(user_ns: dict[str, Any]) -> dict[str, str]:
    """Every user-visible name (history entries aside), as type and bounded repr."""
    out = {}
    for name in sorted(user_ns):
        if HISTORY_NAMES.match(name):
            continue
        out[name] = _describe(user_ns[name])
    out_cache = user_ns.get("Out")
    if isinstance(out_cache, dict):
        out["Out"] = _safe_repr({k: _describe(v) for k, v in sorted(out_cache.items())})
    return out


def state(shell: Any) -> str:
    return json.dumps({"hooks": hooks(), "namespace": namespace(shell.user_ns)})


EXPRESSION = "__import__('tests.differential.probe', fromlist=['state']).state(get_ipython())"

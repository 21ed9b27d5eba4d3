"""The torch.profiler timeline as a Chrome trace file (loads in Perfetto and chrome://tracing).

torch writes the trace (``export_chrome_trace``); this module names things as the
user sees them: perfnb's call-site annotations ``perfnb@N`` become
``In [5] line 3: y = model(x)`` and the kernel's temporary cell file names in
Python stack events become ``In [5]``. Pure functions on the trace's JSON.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any


def relabel(trace: dict[str, Any], labels: Mapping[str, str], files: Mapping[str, str]) -> dict[str, Any]:
    """The trace with annotation names replaced from ``labels`` and file names from ``files``.

    ``files`` maps compiled file names to display names; longer names are replaced
    first so one name that contains another is not half-replaced.
    """
    ordered = sorted(files.items(), key=lambda item: len(item[0]), reverse=True)
    for event in trace.get("traceEvents", []):
        name = event.get("name")
        if not isinstance(name, str):
            continue
        if name in labels:
            event["name"] = labels[name]
            continue
        for compiled, shown in ordered:
            if compiled in name:
                name = name.replace(compiled, shown)
        event["name"] = name
    trace.setdefault("otherData", {})["perfnb"] = "call sites named In [N] line L"
    return trace


def load(path: str) -> dict[str, Any]:
    # torch writes some names (pointers, C++ symbols) as raw bytes: keep what decodes.
    with open(path, encoding="utf-8", errors="replace") as handle:
        data = json.load(handle)
    if isinstance(data, list):  # the JSON array form of the format
        data = {"traceEvents": data}
    if not isinstance(data, dict) or not isinstance(data.get("traceEvents"), list):
        raise ValueError(f"{path} is not a Chrome trace (no traceEvents list)")
    return data


def write(trace: dict[str, Any], path: str) -> str:
    """Write the trace to ``path`` (a directory gets ``perfnb-trace.json`` inside); the path written."""
    if os.path.isdir(path):
        path = os.path.join(path, "perfnb-trace.json")
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    temporary = path + ".part"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(trace, handle)
    os.replace(temporary, path)
    return path

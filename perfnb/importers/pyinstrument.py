"""A pyinstrument session (``pyinstrument -r session``, ``Session.save``) as a perfnb profile.

Each frame record is a stack (root first, ``function\\0file\\0first line`` plus
attributes such as ``\\x01l<line>``) and the time it was seen. The frames the profiler
was started under (``start_call_stack``) are dropped, as pyinstrument does. pyinstrument
does not split Python from native time, so ``native_s`` stays 0.
"""

from __future__ import annotations

import datetime
import linecache
from typing import Any

from ..engines.aggregate import MAX_FILE_LINES, MAX_TREE_NODES, prune_tree
from ..model import CellInfo, LineStat, Meta, Profile, TreeNode
from ..stats import timing_from_runs

IDENTIFIER_SEP = "\x00"
ATTRIBUTES_SEP = "\x01"


def parse_frame(info: str) -> tuple[str, str, int, int | None]:
    """(name, file, first line, current line or None) of one frame-info string."""
    identifier, *attributes = info.split(ATTRIBUTES_SEP)
    name, file, first = [*identifier.split(IDENTIFIER_SEP), "", "0"][:3]
    line = None
    for attribute in attributes:
        if attribute.startswith("l") and attribute[1:].isdigit():
            line = int(attribute[1:])
        elif attribute.startswith("c") and "." not in name:
            name = f"{attribute[1:]}.{name}"
    return name, file, int(first) if first.isdigit() else 0, line


def from_pyinstrument(data: dict[str, Any]) -> Profile:
    stem = [info.split(ATTRIBUTES_SEP)[0] for info in data.get("start_call_stack") or []]
    title = str(data.get("target_description") or "pyinstrument session")
    root = TreeNode(name=title, file="", line=0, time_s=0.0, self_s=0.0)
    children: dict[int, dict[str, TreeNode]] = {}
    lines: dict[tuple[str, int], list[Any]] = {}
    for frames, seconds in data["frame_records"]:
        seconds = float(seconds)
        path = _below_stem(list(frames), stem)
        root.time_s += seconds
        node = root
        seen: set[tuple[str, int]] = set()
        for info in path:
            name, file, first, line = parse_frame(info)
            key = info.split(ATTRIBUTES_SEP)[0]
            child = children.setdefault(id(node), {}).get(key)
            if child is None:
                child = TreeNode(name=name, file=file, line=first, time_s=0.0, self_s=0.0)
                children[id(node)][key] = child
                node.children.append(child)
            child.time_s += seconds
            node = child
            if line is not None and (file, line) not in seen:
                seen.add((file, line))
                entry = lines.setdefault((file, line), [0.0, name])
                entry[0] += seconds
        node.self_s += seconds
    for each in root.walk():
        each.children.sort(key=lambda c: c.time_s, reverse=True)
    duration = float(data["duration"])
    stats = sorted(lines.items(), key=lambda kv: kv[1][0], reverse=True)[:MAX_FILE_LINES]
    return Profile(
        cell=CellInfo(None, title),
        timing=timing_from_runs([duration], float(data.get("cpu_time") or 0.0)),
        lines=[
            LineStat(origin="file", cell=None, file=file, line=line, code=linecache.getline(file, line).strip(),
                     time_s=t, native_s=0.0, function="" if name == "<module>" else name)
            for (file, line), (t, name) in stats
        ],
        tree=prune_tree(root, MAX_TREE_NODES) if root.children or root.self_s else None,
        meta=Meta(
            engines=["pyinstrument (imported)"],
            started_at=_iso(data.get("start_time")),
            interval_s=float(data.get("min_interval") or 0.0),
            samples=int(data.get("sample_count") or 0),
        ),
    )


def _below_stem(frames: list[str], stem: list[str]) -> list[str]:
    depth = 0
    while depth < len(frames) and depth < len(stem) and frames[depth].split(ATTRIBUTES_SEP)[0] == stem[depth]:
        depth += 1
    return frames[depth:]


def _iso(epoch: Any) -> str:
    if not isinstance(epoch, (int, float)):
        return ""
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).isoformat(timespec="seconds")

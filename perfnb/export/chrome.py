"""The Chrome trace event format (chrome://tracing, Perfetto): the call tree laid out as
complete events, each profile on its own track, plus the RSS timeline as a counter.

A sampling profile keeps how long each call path took, not when: within a parent,
children are drawn one after another, heaviest first — a flame chart, not a timeline.
"""

from __future__ import annotations

from typing import Any

from ..model import TreeNode
from .stacks import Labelled, tree_of, where

PID = 1
GAP_US = 1000.0


def to_chrome(profiles: list[Labelled]) -> dict[str, Any]:
    events: list[dict[str, Any]] = [{"ph": "M", "pid": PID, "name": "process_name", "args": {"name": "perfnb"}}]
    offset = 0.0
    for tid, (label, profile) in enumerate(profiles, start=1):
        events.append({"ph": "M", "pid": PID, "tid": tid, "name": "thread_name", "args": {"name": label}})
        root = tree_of(profile, label)
        events.extend(_complete_events(root, offset, tid))
        for t_s, rss in profile.memory.timeline:
            events.append({"ph": "C", "pid": PID, "tid": tid, "name": "RSS", "ts": offset + t_s * 1e6,
                           "args": {"bytes": rss}})
        offset += max(root.time_s, profile.timing.wall_s) * 1e6 + GAP_US
    return {"traceEvents": events, "displayTimeUnit": "ms"}


def _complete_events(root: TreeNode, start_us: float, tid: int) -> list[dict[str, Any]]:
    events = []
    todo = [(root, start_us)]
    while todo:
        node, ts = todo.pop()
        args: dict[str, Any] = {"self_ms": node.self_s * 1e3}
        if where(node):
            args["where"] = where(node)
        events.append({"ph": "X", "pid": PID, "tid": tid, "name": node.name, "cat": "python",
                       "ts": ts, "dur": node.time_s * 1e6, "args": args})
        child_ts = ts
        for child in node.children:
            todo.append((child, child_ts))
            child_ts += child.time_s * 1e6
    return events

"""speedscope's file format (https://www.speedscope.app/file-format-schema.json): one
"sampled" profile per perfnb profile, weighted by self time in seconds."""

from __future__ import annotations

from typing import Any

from .. import __version__
from .stacks import Labelled, stacks, tree_of

SCHEMA_URL = "https://www.speedscope.app/file-format-schema.json"


def to_speedscope(profiles: list[Labelled], name: str) -> dict[str, Any]:
    frames: list[dict[str, Any]] = []
    index: dict[tuple[str, str, int], int] = {}
    out = []
    for label, profile in profiles:
        samples: list[list[int]] = []
        weights: list[float] = []
        for path, self_s in stacks(tree_of(profile, label)):
            ids = []
            for node in path:
                key = (node.name, node.file, node.line)
                if key not in index:
                    index[key] = len(frames)
                    frame: dict[str, Any] = {"name": node.name}
                    if node.file:
                        frame["file"], frame["line"] = node.file, node.line
                    frames.append(frame)
                ids.append(index[key])
            samples.append(ids)
            weights.append(self_s)
        out.append({
            "type": "sampled", "name": label, "unit": "seconds",
            "startValue": 0.0, "endValue": sum(weights), "samples": samples, "weights": weights,
        })
    return {
        "$schema": SCHEMA_URL, "shared": {"frames": frames}, "profiles": out,
        "name": name, "activeProfileIndex": 0, "exporter": f"perfnb {__version__}",
    }

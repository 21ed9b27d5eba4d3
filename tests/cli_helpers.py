"""Running the ``perfnb`` command as a user does (a subprocess), and making profile files for it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from perfnb.model import CellInfo, Memory, Profile, TreeNode
from perfnb.stats import timing_from_runs

ENTRY_POINT = Path(sys.executable).with_name("perfnb")
MB = 1024 * 1024


def perfnb(*args: str | Path, module: bool = False, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``perfnb ARGS`` through the installed script, or ``python -m perfnb ARGS``."""
    command = [sys.executable, "-m", "perfnb"] if module else [str(ENTRY_POINT)]
    return subprocess.run([*command, *map(str, args)], capture_output=True, text=True, timeout=timeout)


def make_profile(runs_s: list[float], source: str = "work()", growth_bytes: int = 10 * MB,
                 tree: TreeNode | None = None) -> Profile:
    start = 100 * MB
    return Profile(
        cell=CellInfo(3, source),
        timing=timing_from_runs(runs_s, sum(runs_s)),
        memory=Memory(rss_peak_bytes=start + growth_bytes, rss_start_bytes=start, rss_end_bytes=start),
        tree=tree,
    )


def run_document(cells: list[tuple[str | None, str, list[Profile]]]) -> dict[str, Any]:
    """A perfnb.run/1 document with cells (id, source, profiles) at positions 0, 1, ..."""
    return {
        "schema": "perfnb.run/1",
        "notebook": {"path": "nb.ipynb", "metadata": {}},
        "cells": [
            {"index": i, "id": cell_id, "source": source, "profiles": [p.to_dict() for p in profiles]}
            for i, (cell_id, source, profiles) in enumerate(cells)
        ],
    }


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data))
    return path

"""Reading and writing the files the command line works on.

``perfnb run`` writes a *run document* (schema ``perfnb.run/1``): the notebook's
name and metadata, and every profiled cell with its id, source and profiles (each a
``perfnb.profile/1`` object). Every command that reads profiles accepts a run
document, a single profile, or an executed notebook whose outputs hold profiles.
"""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .errors import InputError
from .model import MIME_TYPE, SCHEMA, Profile

RUN_SCHEMA = "perfnb.run/1"


@dataclass
class ProfiledCell:
    """One notebook cell and the profiles its outputs hold (``%perf`` can show several)."""

    index: int  # position in the notebook; -1 for a lone profile file
    id: str | None
    source: str
    profiles: list[Profile] = field(default_factory=list)

    def label(self) -> str:
        """``cell 3: first line`` (``In [7]: first line`` for a lone profile, which has no cell index)."""
        lines = [line.strip() for line in self.source.splitlines() if line.strip()]
        if lines and lines[0].startswith("%%perf") and len(lines) > 1:
            lines = lines[1:]
        first = lines[0][:48] if lines else ""
        if self.index >= 0:
            return f"cell {self.index}: {first}"
        count = self.profiles[0].cell.execution_count if self.profiles else None
        return f"In [{count if count is not None else ' '}]: {first}"


@dataclass
class RunDocument:
    notebook: str
    cells: list[ProfiledCell]
    metadata: dict[str, Any] = field(default_factory=dict)
    started_at: str = ""
    wall_s: float = 0.0
    all_cells: bool = False

    def profiles(self) -> list[tuple[ProfiledCell, Profile]]:
        return [(cell, profile) for cell in self.cells for profile in cell.profiles]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": RUN_SCHEMA,
            "notebook": {"path": self.notebook, "metadata": self.metadata},
            "perfnb_version": __version__,
            "python": platform.python_version(),
            "platform": f"{platform.system()} {platform.machine()}",
            "started_at": self.started_at,
            "wall_s": self.wall_s,
            "all_cells": self.all_cells,
            "cells": [
                {"index": c.index, "id": c.id, "source": c.source, "profiles": [p.to_dict() for p in c.profiles]}
                for c in self.cells
            ],
        }


def write_json(path: Path, data: dict[str, Any]) -> None:
    try:
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


def read_json(path: Path) -> Any:
    """The parsed JSON of a file, or an InputError that says what is wrong in one line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None


def profile_from_dict(data: Any, where: str) -> Profile:
    if not isinstance(data, dict):
        raise InputError(f"{where}: not a perfnb profile (expected a JSON object)")
    try:
        return Profile.from_dict(data)
    except ValueError as exc:
        raise InputError(f"{where}: {exc}") from None
    except (TypeError, KeyError, AttributeError) as exc:
        raise InputError(f"{where}: malformed profile ({type(exc).__name__}: {exc})") from None


def read_profiles(path: Path) -> RunDocument:
    """A run document, a single profile or an executed notebook, as a RunDocument."""
    data = read_json(path)
    if not isinstance(data, dict):
        raise InputError(f"{path}: not a perfnb file (expected a JSON object)")
    if "cells" in data and "nbformat" in data:
        return _from_notebook(path, data)
    schema = data.get("schema")
    if schema == RUN_SCHEMA:
        return _from_run_document(path, data)
    if isinstance(schema, str) and schema.startswith("perfnb.run/"):
        raise InputError(f"{path}: unsupported run document schema {schema!r} (expected {RUN_SCHEMA!r})")
    if schema is None:
        raise InputError(f"{path}: not a perfnb profile, run document or notebook (no 'schema' field)")
    profile = profile_from_dict(data, str(path))
    cell = ProfiledCell(index=-1, id=None, source=profile.cell.source, profiles=[profile])
    return RunDocument(notebook=str(path), cells=[cell])


def _from_run_document(path: Path, data: dict[str, Any]) -> RunDocument:
    cells: list[ProfiledCell] = []
    try:
        for entry in data["cells"]:
            profiles = [profile_from_dict(p, f"{path}: cell {entry['index']}") for p in entry["profiles"]]
            cells.append(ProfiledCell(int(entry["index"]), entry.get("id"), str(entry["source"]), profiles))
        notebook = data.get("notebook") or {}
        return RunDocument(
            notebook=str(notebook.get("path", path)),
            cells=cells,
            metadata=dict(notebook.get("metadata") or {}),
            started_at=str(data.get("started_at", "")),
            wall_s=float(data.get("wall_s", 0.0)),
            all_cells=bool(data.get("all_cells", False)),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"{path}: malformed run document ({type(exc).__name__}: {exc})") from None


def _from_notebook(path: Path, data: dict[str, Any]) -> RunDocument:
    cells = []
    for index, cell in enumerate(data.get("cells") or []):
        if cell.get("cell_type") != "code":
            continue
        found = profiles_in_outputs(cell.get("outputs") or [], f"{path}: cell {index}")
        if found:
            cells.append(ProfiledCell(index, cell.get("id"), _source(cell.get("source", "")), found))
    return RunDocument(notebook=str(path), cells=cells, metadata=dict(data.get("metadata") or {}))


def profiles_in_outputs(outputs: list[Any], where: str) -> list[Profile]:
    """The profiles a cell displayed (display data, or a result whose bundle holds one)."""
    found = []
    for output in outputs:
        if output.get("output_type") in ("display_data", "execute_result"):
            data = (output.get("data") or {}).get(MIME_TYPE)
            if data is not None:
                found.append(profile_from_dict(data, where))
    return found


def _source(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


__all__ = ["RUN_SCHEMA", "SCHEMA", "ProfiledCell", "RunDocument", "profiles_in_outputs", "read_profiles"]

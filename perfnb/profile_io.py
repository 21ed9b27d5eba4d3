"""Loading profiles from files and notebooks, validated against ``perfnb.profile/1``.

A profile read from disk is data from elsewhere: it is validated before it is used.
With ``jsonschema`` installed (the dev extra) the shipped JSON Schema is applied in
full; without it a built-in check of the same required fields and types runs. Either
way ``jsonschema`` is imported only here, when a file is loaded — never by
``%load_ext perfnb`` or a profiled cell.

``notebook_profiles`` is the shared loader for views that read a whole notebook (the
CLI, the sidebar's Python side): a corrupt profile is skipped with a one-line warning
and the others still load.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from .model import MIME_TYPE, SCHEMA, Profile


class ProfileError(ValueError):
    """A profile that cannot be used; the message is one line saying why."""


@cache
def _schema() -> dict[str, Any]:
    text = resources.files("perfnb").joinpath("schema/profile-1.json").read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def problems(data: Any) -> list[str]:
    """What is wrong with ``data`` as a ``perfnb.profile/1`` object (empty when it is valid)."""
    if not isinstance(data, dict):
        return [f"expected a JSON object, got {type(data).__name__}"]
    if data.get("schema") != SCHEMA:
        return [f"unsupported profile schema {data.get('schema')!r} (expected {SCHEMA!r})"]
    try:
        import jsonschema  # type: ignore[import-untyped]
    except ImportError:
        return _minimal_problems(data)
    validator = jsonschema.Draft202012Validator(_schema())
    found = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}" for e in found[:5]]


_NUMBER = (int, float)


def _minimal_problems(data: dict[str, Any]) -> list[str]:
    """The schema's required fields and their types, checked without jsonschema."""
    out: list[str] = []

    def need(obj: Any, key: str, types: tuple[type, ...], where: str, nullable: bool = False) -> Any:
        if not isinstance(obj, dict) or key not in obj:
            out.append(f"{where}: '{key}' is a required property")
            return None
        value = obj[key]
        if value is None and nullable:
            return None
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            out.append(f"{where}/{key}: {value!r:.40} is not of the expected type")
            return None
        return value

    cell = need(data, "cell", (dict,), "(top)")
    if cell is not None:
        need(cell, "execution_count", (int,), "cell", nullable=True)
        need(cell, "source", (str,), "cell")
    timing = need(data, "timing", (dict,), "(top)")
    if timing is not None:
        for key in ("wall_s", "cpu_s", "p50_s", "p95_s", "p99_s"):
            need(timing, key, _NUMBER, "timing")
        runs = need(timing, "runs_s", (list,), "timing")
        if runs is not None and (not runs or not all(isinstance(r, _NUMBER) for r in runs)):
            out.append("timing/runs_s: must be a non-empty list of numbers")
    for i, line in enumerate(need(data, "lines", (list,), "(top)") or []):
        for key, types, nullable in (
            ("origin", (str,), False), ("cell", (int,), True), ("file", (str,), False), ("line", (int,), False),
            ("code", (str,), False), ("time_s", _NUMBER, False), ("native_s", _NUMBER, False),
            ("hits", (int,), True), ("alloc_bytes", (int,), True),
        ):  # fmt: skip
            need(line, key, types, f"lines/{i}", nullable)
    if "tree" not in data:
        out.append("(top): 'tree' is a required property")
    elif data["tree"] is not None:
        stack = [(data["tree"], "tree")]
        while stack:
            node, where = stack.pop()
            for key, types in (("name", (str,)), ("file", (str,)), ("line", (int,)), ("time_s", _NUMBER), ("self_s", _NUMBER)):
                need(node, key, types, where)
            children = need(node, "children", (list,), where) or []
            stack.extend((child, f"{where}/children/{i}") for i, child in enumerate(children))
    memory = need(data, "memory", (dict,), "(top)")
    if memory is not None:
        need(memory, "rss_peak_bytes", (int,), "memory")
        need(memory, "traced_peak_bytes", (int,), "memory", nullable=True)
        need(memory, "timeline", (list,), "memory")
    for key in ("torch", "gpu"):
        need(data, key, (dict,), "(top)", nullable=True)
    need(data, "suggestions", (list,), "(top)")
    return out[:5]


def profile_from_data(data: Any, where: str = "profile") -> Profile:
    """A validated Profile, or a ProfileError whose one-line message starts with ``where``."""
    found = problems(data)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise ProfileError(f"{where}: invalid perfnb profile: {found[0]}{more}")
    try:
        return Profile.from_dict(data)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ProfileError(f"{where}: invalid perfnb profile: {type(exc).__name__}: {exc}") from None


def load_profile(path: str | Path) -> Profile:
    """Read and validate one profile JSON file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    except json.JSONDecodeError as exc:
        raise ProfileError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    return profile_from_data(data, str(path))


@dataclass
class NotebookProfiles:
    """The profiles found in a notebook's outputs, and a warning for each one skipped."""

    profiles: list[tuple[int, Profile]] = field(default_factory=list)  # (cell index, profile)
    warnings: list[str] = field(default_factory=list)


def notebook_profiles(notebook: dict[str, Any], where: str = "notebook") -> NotebookProfiles:
    """Every valid profile in a notebook (nbformat 4 as a dict); corrupt ones are skipped with a warning."""
    found = NotebookProfiles()
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        found.warnings.append(f"{where}: no cells (not a notebook?)")
        return found
    for index, cell in enumerate(cells):
        outputs = cell.get("outputs") if isinstance(cell, dict) else None
        for output in outputs if isinstance(outputs, list) else []:
            data = output.get("data") if isinstance(output, dict) else None
            if not isinstance(data, dict) or MIME_TYPE not in data:
                continue
            try:
                found.profiles.append((index, profile_from_data(data[MIME_TYPE], f"{where}: cell {index}")))
            except ProfileError as exc:
                found.warnings.append(f"{exc}; skipped")
    return found

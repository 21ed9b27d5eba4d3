"""Shared fixtures: an in-process IPython shell with perfnb loaded, and a real kernel runner."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_PATH = ROOT / "perfnb" / "schema" / "profile-1.json"


@pytest.fixture(scope="session")
def shell() -> Any:
    from IPython.testing.globalipapp import start_ipython

    ip = start_ipython()
    ip.run_cell("%load_ext perfnb", store_history=True)
    return ip


@pytest.fixture
def ip(shell: Any) -> Iterator[Any]:
    """The shell, with a clean slate of displayed outputs captured per test."""
    captured: list[dict[str, Any]] = []
    original = shell.display_pub.publish

    def publish(data: dict[str, Any], metadata: Any = None, **kwargs: Any) -> None:
        captured.append(data)
        original(data, metadata, **kwargs)

    shell.display_pub.publish = publish
    shell.captured = captured
    yield shell
    shell.display_pub.publish = original


def run(ip: Any, source: str) -> Any:
    """Run a cell the way a notebook does (stored in history, with an execution count)."""
    ip.captured.clear()
    return ip.run_cell(source, store_history=True)


def profiles(ip: Any) -> list[dict[str, Any]]:
    from perfnb.model import MIME_TYPE

    return [d[MIME_TYPE] for d in ip.captured if MIME_TYPE in d]


@pytest.fixture(scope="session")
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text())


def validate(profile: dict[str, Any], schema: dict[str, Any]) -> None:
    import jsonschema

    jsonschema.validate(profile, schema)


def python() -> str:
    return sys.executable


LOAD_EXT = (
    "from IPython.core.interactiveshell import InteractiveShell\n"
    "InteractiveShell.instance().run_line_magic('load_ext', 'perfnb')\n"
)


def modules_imported(code: str, packages: tuple[str, ...]) -> list[str]:
    """The modules of ``packages`` that running ``code`` in a fresh interpreter imports."""
    probe = (
        f"import sys\nbefore = set(sys.modules)\n{code}\n"
        f"print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] in {packages!r}))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return list(ast.literal_eval(out.strip().splitlines()[-1]))

"""The Performance sidebar in a real JupyterLab with headless system Chromium.

Reuses the JupyterLab / Chromium fixtures of tests/browser (a token-less server on a
free loopback port over a temporary root, Chromium from /usr/bin, no video). The
labextension must be built and linked into the environment: `make frontend` does both.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.browser.conftest import Lab, browser, lab, page, shot

__all__ = ["Lab", "browser", "lab", "page", "shot"]

ROOT = Path(__file__).resolve().parents[2]


def _installed_labextension() -> Path | None:
    """The perfnb labextension JupyterLab loads in this environment, if it is built."""
    target = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "perfnb" / "package.json"
    if not target.is_file():
        return None
    data = json.loads(target.read_text())
    return target.parent if data.get("jupyterlab", {}).get("_build") else None


@pytest.fixture(autouse=True)
def _labextension_built() -> None:
    if _installed_labextension() is None:
        pytest.skip("the perfnb labextension is not built and linked into this environment (make frontend)")

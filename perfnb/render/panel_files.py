"""The built panel (``panel/`` → ``npm run build``): one ES module and one stylesheet in the package."""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "static"
ESM = STATIC / "panel.js"
CSS = STATIC / "panel.css"

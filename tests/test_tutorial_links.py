"""Every suggestion links to a tutorial notebook and a section in it that exist.

The tutorials are written in their own issue. Until a linked notebook or section exists,
``test_every_tutorial_link_resolves`` is an expected failure that lists what is missing
(run with ``-rx`` to see the list); it turns into a pass by itself once they all exist.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from perfnb.advice import all_rules

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"tutorials/(beginner|intermediate|advanced|expert)/\d\d-[a-z0-9-]+\.ipynb#[a-z0-9-]+")


def links() -> dict[str, list[str]]:
    """Tutorial link -> the rules that use it."""
    found: dict[str, list[str]] = {}
    for rule in all_rules():
        found.setdefault(rule.tutorial, []).append(rule.id)
    return found


def anchors(notebook: Path) -> set[str]:
    """The anchors of a notebook's markdown headings (as JupyterLab and GitHub make them, lower-cased)
    and of explicit ``<a id="...">`` / ``<a name="...">`` tags."""
    cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    found: set[str] = set()
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        text = "".join(cell.get("source", []))
        for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, flags=re.MULTILINE):
            slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
            found.add(slug)
        found.update(re.findall(r"<a\s+(?:id|name)=[\"']([^\"']+)[\"']", text))
    return found


def test_links_are_well_formed() -> None:
    assert links()
    for link in links():
        assert LINK.fullmatch(link), link


def test_every_tutorial_link_resolves() -> None:
    missing: list[str] = []
    for link, rules in sorted(links().items()):
        path, section = link.split("#", 1)
        notebook = ROOT / path
        if not notebook.is_file():
            missing.append(f"{link} (notebook missing; used by {', '.join(rules)})")
        elif section not in anchors(notebook):
            missing.append(f"{link} (no heading '{section}'; used by {', '.join(rules)})")
    if missing:
        pytest.xfail("tutorials not written yet:\n" + "\n".join(missing))


def test_anchor_slugs_follow_headings(tmp_path: Path) -> None:
    notebook = tmp_path / "n.ipynb"
    cell = {"cell_type": "markdown", "source": ["## Sets instead of lists\n", "text <a id='extra'></a>"]}
    notebook.write_text(json.dumps({"cells": [cell]}))
    assert anchors(notebook) == {"sets-instead-of-lists", "extra"}

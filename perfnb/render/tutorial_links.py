"""Where a suggestion's tutorial opens: in this JupyterLab when the notebook is on disk
under its root, on Binder otherwise.

The kernel finds the file (a ``tutorials/`` next to the notebook or above it, or this
checkout's); the page knows the server root (``serverRoot`` in JupyterLab's page
config), so the panel decides in the browser whether the file is reachable there.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

BINDER_REPO = "perfnb/perfnb"  # the public repository Binder builds (binder/ holds its environment)
REPO_ROOT = Path(__file__).resolve().parents[2]


def tutorial_file(tutorial: str, cwd: Path | None = None) -> Path | None:
    """The tutorial notebook on disk, or None."""
    relative = tutorial.split("#", 1)[0]
    if not relative:
        return None
    here = (cwd or Path.cwd()).resolve()
    for base in (here, *here.parents, REPO_ROOT):
        for candidate in (base / relative, base / "tutorials" / relative):
            if candidate.is_file():
                return candidate
    return None


def binder_url(tutorial: str) -> str:
    path = tutorial if tutorial.startswith("tutorials/") else f"tutorials/{tutorial}"
    return f"https://mybinder.org/v2/gh/{BINDER_REPO}/HEAD?labpath={quote(path.split('#', 1)[0])}"


def tutorial_links(tutorials: list[str], cwd: Path | None = None) -> dict[str, dict[str, str | None]]:
    """For each tutorial: ``file`` (absolute path, or None), ``home`` (to expand a ``~`` server root), ``binder``."""
    links: dict[str, dict[str, str | None]] = {}
    for tutorial in dict.fromkeys(t for t in tutorials if t):
        found = tutorial_file(tutorial, cwd)
        links[tutorial] = {
            "file": found.as_posix() if found is not None else None,
            "home": Path.home().as_posix(),
            "binder": binder_url(tutorial),
        }
    return links

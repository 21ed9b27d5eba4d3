"""perfnb: a profiler that lives in the notebook.

``%load_ext perfnb`` then ``%%perf`` above a cell. For scripts::

    with perfnb.profile() as run:
        work()
    print(run.profile.top_lines(5))
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_extensions: dict[int, Any] = {}


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where the prebuilt JupyterLab extension lies (``jupyter labextension develop .`` links it)."""
    return [{"src": "labextension", "dest": "perfnb"}]


def load_ipython_extension(ipython: Any) -> None:
    from .magic import PerfExtension

    if id(ipython) in _extensions:
        return
    extension = PerfExtension(ipython)
    extension.load()
    _extensions[id(ipython)] = extension


def unload_ipython_extension(ipython: Any) -> None:
    extension = _extensions.pop(id(ipython), None)
    if extension is not None:
        extension.unload()


def profile(interval_ms: float = 1.0, threads: bool = True) -> Any:
    """Profile a block of code: ``with perfnb.profile() as run: ...``; then ``run.profile``."""
    from .api import ProfileBlock

    return ProfileBlock(interval_ms=interval_ms, threads=threads)


def show(profile: Any) -> None:
    """Display a Profile under the current cell."""
    from .render.bundle import show as show_bundle

    show_bundle(profile)

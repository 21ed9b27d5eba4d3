"""The mime bundle a profiled cell displays: the profile JSON, static HTML and text."""

from __future__ import annotations

from typing import Any

from ..compare import Comparison
from ..model import MIME_TYPE, Profile
from .compare_html import render_comparison_html
from .html import render_html
from .text import render_text


def mime_bundle(profile: Profile, comparison: Comparison | None = None) -> dict[str, Any]:
    compared = render_comparison_html(comparison) if comparison is not None else ""
    return {
        MIME_TYPE: profile.to_dict(),
        "text/html": compared + render_html(profile),
        "text/plain": render_text(profile),
    }


def show(profile: Profile, comparison: Comparison | None = None, shell: Any = None) -> None:
    """One display: the static mime types plus, in a kernel with anywidget, the interactive panel.

    Frontends that run widgets (JupyterLab, Notebook 7, VS Code, Colab) rank the widget
    view first; nbviewer, GitHub and exported HTML have no live widget and show text/html.
    """
    from IPython.display import display

    bundle = mime_bundle(profile, comparison)
    if widgets_available(shell):
        from .widget import widget_view

        bundle.update(widget_view(profile, comparison, shell))
    display(bundle, raw=True)


def widgets_available(shell: Any) -> bool:
    """A kernel (widgets need its comms), anywidget installed and the panel's bundle built."""
    from importlib.util import find_spec

    from .panel_files import ESM

    return getattr(shell, "kernel", None) is not None and find_spec("anywidget") is not None and ESM.is_file()

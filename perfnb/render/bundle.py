"""The mime bundle a profiled cell displays: the profile JSON, static HTML and text."""

from __future__ import annotations

from typing import Any

from ..model import MIME_TYPE, Profile
from .html import render_html
from .text import render_text


def mime_bundle(profile: Profile) -> dict[str, Any]:
    return {
        MIME_TYPE: profile.to_dict(),
        "text/html": render_html(profile),
        "text/plain": render_text(profile),
    }


def show(profile: Profile) -> None:
    from IPython.display import display

    display(mime_bundle(profile), raw=True)

"""The interactive panel: an anywidget over the shared views.

The views are the npm package in ``panel/`` (``@perfnb/views``), bundled at build time
into ``perfnb/static/panel.js`` and ``panel.css``: one ES module, no CDN, no network.
Imported at the first display only (anywidget pulls in ipywidgets).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anywidget
import traitlets

from ..compare import Comparison
from ..model import Profile
from .panel_files import CSS, ESM
from .tutorial_links import tutorial_links

Progress = Callable[[float, str], None]
Verifier = Callable[[str, Progress], str]  # (rule, progress) → what the measurement found


class ProfilePanel(anywidget.AnyWidget):
    _esm = ESM
    _css = CSS
    profile = traitlets.Dict().tag(sync=True)
    comparison = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)
    tutorials = traitlets.Dict().tag(sync=True)
    verify = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)
    can_verify = traitlets.Bool(False).tag(sync=True)

    def __init__(self, profile: Profile, comparison: Comparison | None = None, verifier: Verifier | None = None) -> None:
        super().__init__(
            profile=profile.to_dict(),
            comparison=comparison.to_dict() if comparison is not None else None,
            tutorials=tutorial_links([s.tutorial for s in profile.suggestions]),
            can_verify=verifier is not None,
        )
        self._profile = profile
        self._verifier = verifier
        self.on_msg(self._on_message)

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "verify":
            self.run_verify(str(content.get("rule", "")))

    def run_verify(self, rule: str) -> None:
        """Measure one suggestion in the kernel; its card shows the progress, then the result."""
        if self._verifier is None:
            return

        def progress(fraction: float, message: str) -> None:
            self.verify = {"rule": rule, "status": "running", "message": message, "progress": fraction}

        self.verify = {"rule": rule, "status": "running", "message": "measuring the suggested change in the kernel…"}
        try:
            message = self._verifier(rule, progress)
        except Exception as exc:  # the measurement runs user code: its failure is the card's to show
            self.verify = {"rule": rule, "status": "error", "message": f"could not verify: {type(exc).__name__}: {exc}"}
            return
        for suggestion in self._profile.suggestions:
            if suggestion.rule == rule:
                suggestion.verified = message
        self.profile = self._profile.to_dict()
        self.verify = {"rule": rule, "status": "done", "message": message}


def advisor_verifier(shell: Any, profile: Profile) -> Verifier | None:
    """Verify through the advisor (``perfnb.advice.advise(..., verify=True)``) when it is installed."""
    try:
        from .. import advice
    except ImportError:
        return None
    advise = getattr(advice, "advise", None)
    if advise is None:
        return None

    def verify(rule: str, progress: Progress) -> str:
        progress(0.0, "measuring the suggested change in the kernel…")
        trial = Profile.from_dict(profile.to_dict())  # the advisor may add notes; the shown profile stays as it was
        found = [s for s in advise(trial, shell, verify=True) if s.rule == rule]
        progress(1.0, "measured")
        if found:
            return found[0].verified or "kept: the measurement did not contradict it"
        notes = [n for n in trial.meta.advice_notes if rule in n] if hasattr(trial.meta, "advice_notes") else []
        return notes[0] if notes else "withdrawn: the change was not faster when measured"

    return verify


def widget_view(profile: Profile, comparison: Comparison | None = None, shell: Any = None) -> dict[str, Any]:
    """The ``application/vnd.jupyter.widget-view+json`` entry of a new panel for the profile."""
    verifier = advisor_verifier(shell, profile) if shell is not None and profile.suggestions else None
    panel = ProfilePanel(profile, comparison, verifier)
    bundle = panel._repr_mimebundle_()
    assert bundle is not None, "an anywidget always has a view"
    data = bundle[0]
    return {"application/vnd.jupyter.widget-view+json": data["application/vnd.jupyter.widget-view+json"]}

"""The suggestions section of the text and static HTML views (every string escaped in HTML)."""

from __future__ import annotations

from html import escape

from ..model import Profile, Suggestion
from . import format as fmt


def _figures(s: Suggestion) -> str:
    parts = [s.speedup] if s.speedup else []
    if s.saving_s > 0:
        parts.append(f"could save ~{fmt.seconds(s.saving_s)}")
    return " · ".join(parts)


def suggestion_lines(profile: Profile) -> list[str]:
    if not profile.suggestions and not profile.meta.advice_notes:
        return []
    out = ["Suggestions (best saving first)"] if profile.suggestions else []
    for n, s in enumerate(profile.suggestions, 1):
        out.append(f"{n}. [{s.category} · {s.level}] {s.title} ({_figures(s)})")
        out.append(f"   evidence: {s.evidence}")
        out.append(f"   fix: {s.fix}")
        if s.verified:
            out.append(f"   verified: {s.verified}")
        out.append(f"   learn: {s.tutorial}")
    out.extend(f"advice: {note}" for note in profile.meta.advice_notes)
    return out


def suggestions_html(profile: Profile) -> str:
    if not profile.suggestions and not profile.meta.advice_notes:
        return ""
    items = []
    for s in profile.suggestions:
        verified = f"<div><i>verified:</i> {escape(s.verified)}</div>" if s.verified else ""
        items.append(
            f"<li><b>{escape(s.title)}</b> <span class='chip'>{escape(s.category)} · {escape(s.level)}</span> "
            f"<span class='loc'>{escape(_figures(s))}</span>"
            f"<div>{escape(s.evidence)}</div><div><i>fix:</i> {escape(s.fix)}</div>{verified}"
            f"<div class='loc'>tutorial: <code>{escape(s.tutorial)}</code></div></li>"
        )
    notes = "".join(f"<div class='loc'>{escape(n)}</div>" for n in profile.meta.advice_notes)
    head = "<div><b>Suggestions</b></div>" if items else ""
    return f"{head}<ol>{''.join(items)}</ol>{notes}"

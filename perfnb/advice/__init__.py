"""The advisor: suggestions backed by the evidence of one run.

``advise(profile, shell)`` reads the Profile, the source of the cell and of the
functions it reached, and the user's namespace, and returns Suggestions ranked by
the time they could save. With ``verify=True`` the candidates that can be measured
(caching, float32, int8 quantization) are run on copies and timed; a suggestion that
is not faster is withdrawn. Nothing here changes the user's objects.

Imported lazily by ``publish``: ``%load_ext perfnb`` does not load it.
"""

from __future__ import annotations

from typing import Any

from ..model import Profile, Suggestion
from .context import Context
from .rule import Rule


def all_rules() -> list[Rule]:
    """Every rule, in the order they run (parallelism last: it speaks only for loops no other rule explains)."""
    from . import caching, memory, parallelism, structures, torch_inference, torch_runtime, vectorization

    return [
        *vectorization.RULES,
        *structures.RULES,
        *caching.RULES,
        *memory.RULES,
        *torch_inference.RULES,
        *torch_runtime.RULES,
        *parallelism.RULES,
    ]


def advise(
    profile: Profile, shell: Any = None, *, verify: bool = False, namespace: dict[str, Any] | None = None
) -> list[Suggestion]:
    """Suggestions for this profile, best saving first. A rule that fails is named in
    ``profile.meta.errors`` and the others still run."""
    ctx = Context(profile, shell, namespace, verifying=verify)
    for rule in all_rules():
        try:
            ctx.suggestions.extend(rule.check(ctx))
        except Exception as exc:  # one broken rule must not hide the others' advice
            profile.meta.errors.append(f"advisor rule {rule.id} failed: {type(exc).__name__}: {exc}")
    found = ctx.suggestions
    if verify:
        from .verify import verify_all

        found = verify_all(ctx, found)
    return sorted(found, key=lambda s: s.saving_s, reverse=True)

"""Hands a finished Profile to the user: the namespace (-o), the cell output, or a warning."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .model import Profile
    from .options import Options


def warn(message: str) -> None:
    """perfnb's own failures: one line on stderr, never an exception in the user's cell."""
    print(f"perfnb: {message}", file=sys.stderr)


def publish(shell: Any, profile: Profile, options: Options) -> None:
    if options.advice:
        add_suggestions(shell, profile, options.verify)
    if options.output:
        shell.user_ns[options.output] = profile
    comparison = None
    if options.save or options.compare:
        from .compare import save_and_compare

        comparison = save_and_compare(shell, profile, options.save, options.compare, warn)
    if not options.quiet:
        from .render.bundle import show

        show(profile, comparison, shell)


def add_suggestions(shell: Any, profile: Profile, verify: bool = False) -> None:
    """Run the advisor (imported only now); its failure costs the suggestions, never the cell."""
    try:
        from .advice import advise

        profile.suggestions = advise(profile, shell, verify=verify)
    except Exception as exc:
        warn(f"no suggestions for this cell: {type(exc).__name__}: {exc}")

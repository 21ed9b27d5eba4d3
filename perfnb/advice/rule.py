"""The base every rule shares: its identity, the 5% threshold and how a Suggestion is built."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from ..model import Suggestion
from .context import Context

MIN_SHARE = 0.05  # code under this share of the cell is not worth a suggestion

CATEGORIES = (
    "vectorization", "caching", "data-structures", "algorithm", "memory", "batching", "quantization",
    "pruning", "mixed-precision", "compilation", "gpu-sync", "data-loading", "parallelism", "io",
)
LEVELS = ("beginner", "intermediate", "advanced", "expert")


class Rule:
    """One kind of advice. Subclasses set the class attributes and implement ``check``."""

    id: ClassVar[str]
    category: ClassVar[str]
    level: ClassVar[str]
    tutorial: ClassVar[str]  # tutorials/<level>/<notebook>.ipynb#<section>
    speedup: ClassVar[tuple[float, float]]  # the expected factor on the lines concerned: (low, high)

    def check(self, ctx: Context) -> Iterable[Suggestion]:
        raise NotImplementedError

    def worth(self, ctx: Context, seconds: float) -> bool:
        return seconds >= MIN_SHARE * ctx.total_s

    def suggest(
        self, ctx: Context, *, title: str, evidence: str, lines: list[int], fix: str, seconds: float, file: str
    ) -> Suggestion:
        low, high = self.speedup
        return Suggestion(
            rule=self.id,
            category=self.category,
            level=self.level,
            title=title,
            evidence=evidence,
            lines=lines,
            fix=fix,
            tutorial=self.tutorial,
            speedup=speedup_class(low, high),
            saving_s=seconds * (1.0 - 1.0 / low) / ctx.runs,
            file=file,
        )


def speedup_class(low: float, high: float) -> str:
    if high < 1.01:
        return "memory, not time"
    return f"{low:g}–{high:g}× on these lines"


def share_text(ctx: Context, seconds: float) -> str:
    """``62% of the cell (1.2 s)``; with -n the seconds are per run."""
    from ..render.format import seconds as fmt_seconds

    per_run = " per run" if ctx.runs > 1 else ""
    return f"{min(ctx.share(seconds), 1.0):.0%} of the cell ({fmt_seconds(seconds / ctx.runs)}{per_run})"

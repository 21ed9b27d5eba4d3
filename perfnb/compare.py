"""A/B comparison of two profiled cells (``%%perf --save NAME`` then ``%%perf --compare NAME``).

The speedup comes with a distribution-free confidence interval over the repeated runs
(``stats.ratio_ci``: Hodges-Lehmann with the Mann-Whitney interval, so use ``-n`` on
both cells); lines are matched by their code (cells) or place (files); the call trees
are merged into a differential tree whose widths are the new run and whose ``delta_s``
is the change against the baseline.
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .model import LineStat, Profile, TreeNode, tree_to_plain
from .render import format as fmt
from .stats import ratio_ci

MAX_LINE_DELTAS = 20
MIN_LINE_SHARE = 0.01  # per-line changes under 1% of the cell's wall time are noise


@dataclass
class LineDelta:
    where: str
    code: str
    base_s: float
    time_s: float
    delta_s: float


@dataclass
class DiffNode:
    name: str
    file: str
    line: int
    time_s: float
    base_s: float
    delta_s: float
    children: list[DiffNode] = field(default_factory=list)


@dataclass
class Comparison:
    name: str
    base_p50_s: float
    new_p50_s: float
    speedup: float  # baseline time / new time: above 1 is faster
    speedup_ci: list[float] | None
    base_runs: int
    new_runs: int
    lines: list[LineDelta]
    tree: DiffNode | None

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in ("lines", "tree")}
        out["lines"] = [dataclasses.asdict(d) for d in self.lines]
        out["tree"] = tree_to_plain(self.tree) if self.tree is not None else None
        return out


class SavedProfiles:
    """The profiles a kernel saved with ``--save NAME`` (one store per shell)."""

    _stores: ClassVar[weakref.WeakKeyDictionary[Any, dict[str, Profile]]] = weakref.WeakKeyDictionary()

    @classmethod
    def of(cls, shell: Any) -> dict[str, Profile]:
        return cls._stores.setdefault(shell, {})


def compare(base: Profile, new: Profile, name: str) -> Comparison:
    ratio = ratio_ci(base.timing.runs_s, new.timing.runs_s)
    base_p50, new_p50 = base.timing.p50_s or base.timing.wall_s, new.timing.p50_s or new.timing.wall_s
    if ratio is not None:
        estimate, low, high = ratio
        speedup, ci = 1.0 / estimate, [1.0 / high, 1.0 / low]
    else:
        speedup, ci = (base_p50 / new_p50 if new_p50 > 0 else 1.0), None
    return Comparison(
        name=name,
        base_p50_s=base_p50,
        new_p50_s=new_p50,
        speedup=speedup,
        speedup_ci=ci,
        base_runs=len(base.timing.runs_s),
        new_runs=len(new.timing.runs_s),
        lines=line_deltas(base, new),
        tree=diff_tree(base.tree, new.tree),
    )


def _line_key(stat: LineStat) -> tuple[str, str, str]:
    """Cell lines match by their code (cells get new numbers), file lines by their place."""
    if stat.origin == "cell":
        return ("cell", stat.function, stat.code.strip())
    return ("file", stat.file, str(stat.line))


def line_deltas(base: Profile, new: Profile) -> list[LineDelta]:
    totals: dict[tuple[str, str, str], list[Any]] = {}
    for index, profile in enumerate((base, new)):
        for stat in profile.lines:
            entry = totals.setdefault(_line_key(stat), [fmt.where(stat), stat.code, 0.0, 0.0])
            if index == 1:
                entry[0] = fmt.where(stat)
            entry[2 + index] += stat.time_s
    floor = MIN_LINE_SHARE * max(base.timing.wall_s, new.timing.wall_s)
    deltas = [
        LineDelta(where=w, code=code, base_s=b, time_s=n, delta_s=n - b)
        for w, code, b, n in totals.values()
        if abs(n - b) >= floor and abs(n - b) > 0
    ]
    deltas.sort(key=lambda d: abs(d.delta_s), reverse=True)
    return deltas[:MAX_LINE_DELTAS]


def diff_tree(base: TreeNode | None, new: TreeNode | None) -> DiffNode | None:
    """The new tree with each node's baseline time; nodes only in the baseline show as the parent's change."""
    if new is None:
        return None
    root = DiffNode(new.name, new.file, new.line, new.time_s, base.time_s if base else 0.0, 0.0)
    stack: list[tuple[TreeNode, TreeNode | None, DiffNode]] = [(new, base, root)]
    while stack:
        node, counterpart, diff = stack.pop()
        diff.delta_s = diff.time_s - diff.base_s
        matches = {(c.name, c.file): c for c in counterpart.children} if counterpart else {}
        for child in node.children:
            other = matches.get((child.name, child.file))
            child_diff = DiffNode(child.name, child.file, child.line, child.time_s, other.time_s if other else 0.0, 0.0)
            diff.children.append(child_diff)
            stack.append((child, other, child_diff))
    return root


def save_and_compare(
    shell: Any, profile: Profile, save: str | None, against: str | None, warn: Callable[[str], None]
) -> Comparison | None:
    """``--save NAME`` keeps the profile; ``--compare NAME`` compares it with the one saved as NAME."""
    saved = SavedProfiles.of(shell)
    comparison = None
    if against:
        base = saved.get(against)
        if base is None:
            known = ", ".join(sorted(saved)) or "none yet"
            warn(f"no profile saved as {against!r} (saved: {known}); run a cell with %%perf --save {against} first")
        else:
            comparison = compare(base, profile, against)
    if save:
        saved[save] = profile
    return comparison

"""``perfnb compare``: match the cells of two runs and judge regressions with confidence.

Time is judged on the repeat distributions (``timing.runs_s``), never on one number:
the change of the median is the Hodges-Lehmann ratio with a distribution-free
(Mann-Whitney) confidence interval, and a cell regresses only when the whole interval
lies past ``--max-slowdown``. ``--max-p99`` is a binomial test on how many runs exceed
the limit. Peak memory is one measurement per run, so a change must pass both the
threshold and a noise floor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .model import Profile
from .profile_files import ProfiledCell, RunDocument
from .render import format as fmt
from .stats import exceedance_p, ratio_ci

MEMORY_NOISE_BYTES = 2 * 1024 * 1024  # allocator arenas and page granularity move RSS by about this much


@dataclass
class Thresholds:
    max_slowdown: float | None = None  # 0.10 for 10%
    max_p99_s: float | None = None
    max_memory: float | None = None  # relative growth of the cell's peak memory, 0.10 for 10%
    max_memory_bytes: int | None = None  # or an absolute limit on it
    confidence: float = 0.95


@dataclass
class CellComparison:
    label: str
    base: Profile | None
    new: Profile | None
    ratio: tuple[float, float, float] | None = None
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Comparison:
    cells: list[CellComparison]
    thresholds: Thresholds

    @property
    def regressed(self) -> bool:
        return any(c.failures for c in self.cells)

    def unjudged(self) -> int:
        """Cells in both runs whose slowdown could not be judged (too few runs)."""
        return sum(1 for c in self.cells if c.base is not None and c.new is not None and c.ratio is None)


def match(base: RunDocument, new: RunDocument) -> list[tuple[str, Profile | None, Profile | None]]:
    """Pairs of profiles: cells matched by id, then by source; a cell's profiles by order."""
    pairs: list[tuple[ProfiledCell | None, ProfiledCell | None]] = []
    left = list(base.cells)
    right = list(new.cells)
    for key in (lambda c: c.id, lambda c: _normalized(c.source)):
        index = {key(c): c for c in right if key(c)}
        for cell in list(left):
            other = index.pop(key(cell), None) if key(cell) else None
            if other is not None:
                pairs.append((cell, other))
                left = [c for c in left if c is not cell]
                right = [c for c in right if c is not other]
    if len(base.cells) == len(new.cells) == 1 and left and right:
        pairs.append((left.pop(), right.pop()))  # two lone profiles: the same cell before and after an edit
    pairs += [(c, None) for c in left] + [(None, c) for c in right]
    pairs.sort(key=lambda pair: _either(*pair).index)
    out: list[tuple[str, Profile | None, Profile | None]] = []
    for b, n in pairs:
        label = _either(b, n).label()
        bp = b.profiles if b else []
        np_ = n.profiles if n else []
        count = max(len(bp), len(np_))
        for i in range(count):
            suffix = f" #{i + 1}" if count > 1 else ""
            out.append((label + suffix, bp[i] if i < len(bp) else None, np_[i] if i < len(np_) else None))
    return out


def _either(base: ProfiledCell | None, new: ProfiledCell | None) -> ProfiledCell:
    cell = new or base
    assert cell is not None
    return cell


def _normalized(source: str) -> str:
    lines = [line.rstrip() for line in source.strip().splitlines()]
    if lines and lines[0].lstrip().startswith("%%perf"):
        lines = lines[1:]
    return "\n".join(lines).strip()


def memory_growth(profile: Profile) -> int:
    """The cell's own peak: RSS peak above RSS at its start (the whole peak if no start was recorded)."""
    memory = profile.memory
    return max(0, memory.rss_peak_bytes - memory.rss_start_bytes) if memory.rss_start_bytes else memory.rss_peak_bytes


def compare(base: RunDocument, new: RunDocument, thresholds: Thresholds) -> Comparison:
    cells = [judge(label, b, n, thresholds) for label, b, n in match(base, new)]
    return Comparison(cells, thresholds)


def judge(label: str, base: Profile | None, new: Profile | None, t: Thresholds) -> CellComparison:
    result = CellComparison(label, base, new)
    if base is None or new is None:
        result.notes.append("only in BASE" if new is None else "only in NEW")
        return result
    alpha = 1.0 - t.confidence
    result.ratio = ratio_ci(base.timing.runs_s, new.timing.runs_s, t.confidence)
    if result.ratio is None:
        result.notes.append("too few runs for a confidence interval (use %%perf -n 10)")
    elif t.max_slowdown is not None and result.ratio[1] > 1.0 + t.max_slowdown:
        result.failures.append(
            f"median {_pct(result.ratio[0])} (CI {_pct(result.ratio[1])}..{_pct(result.ratio[2])}) "
            f"exceeds +{t.max_slowdown:.0%}"
        )
    if t.max_p99_s is not None:
        runs = new.timing.runs_s
        above, p = exceedance_p(runs, t.max_p99_s, 0.99)
        if p < alpha:
            result.failures.append(
                f"{above} of {len(runs)} runs over {fmt.seconds(t.max_p99_s)}: p99 above the limit (p={p:.2g})"
            )
    grown, was = memory_growth(new), memory_growth(base)
    if t.max_memory is not None and grown - was > MEMORY_NOISE_BYTES and grown > was * (1.0 + t.max_memory):
        result.failures.append(f"peak memory {fmt.size(was)} -> {fmt.size(grown)} exceeds +{t.max_memory:.0%}")
    if t.max_memory_bytes is not None and grown > t.max_memory_bytes:
        result.failures.append(f"peak memory {fmt.size(grown)} exceeds {fmt.size(t.max_memory_bytes)}")
    return result


def _pct(ratio: float) -> str:
    return f"{ratio - 1.0:+.0%}"


HEADERS = ("cell", "median", "change [CI]", "p95", "p99", "peak mem", "verdict")


def render_table(comparison: Comparison) -> str:
    rows = [HEADERS]
    level = f"{comparison.thresholds.confidence:.0%}"
    for c in comparison.cells:
        b, n = c.base, c.new
        change = "—"
        if c.ratio is not None:
            change = f"{_pct(c.ratio[0])} [{_pct(c.ratio[1])}, {_pct(c.ratio[2])}]"
        verdict = "REGRESSION" if c.failures else (c.notes[0] if c.notes else _direction(c))
        rows.append((
            c.label,
            _pair(b.timing.p50_s if b else None, n.timing.p50_s if n else None, fmt.seconds),
            change,
            _pair(b.timing.p95_s if b else None, n.timing.p95_s if n else None, fmt.seconds),
            _pair(b.timing.p99_s if b else None, n.timing.p99_s if n else None, fmt.seconds),
            _pair(memory_growth(b) if b else None, memory_growth(n) if n else None, fmt.size),
            verdict,
        ))
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADERS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for c in comparison.cells:
        lines.extend(f"{c.label}: {failure}" for failure in c.failures)
    lines.append(f"change: Hodges-Lehmann estimate of the median ratio [{level} confidence interval], from the runs;"
                 " peak mem: the cell's RSS peak above its start")
    return "\n".join(lines)


def _direction(c: CellComparison) -> str:
    if c.ratio is None:
        return "ok"
    if c.ratio[1] > 1.0:
        return "slower"
    if c.ratio[2] < 1.0:
        return "faster"
    return "no change"


def _pair(base: float | None, new: float | None, show: Callable[[float], str]) -> str:
    left = show(base) if base is not None else "—"
    right = show(new) if new is not None else "—"
    return f"{left} → {right}"

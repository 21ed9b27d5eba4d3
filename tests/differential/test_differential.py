"""The differential suite: every corpus cell run as typed and under %%perf (and under the
engine options) in real kernels; outputs other than perfnb's own, the namespace changes
and the process-wide hooks must be the same, and no perfnb hook may remain after any cell.

Normalisations are listed in runner.py. CI runs the whole corpus under ``%%perf`` and
a cross-section (``CORE_IDS``) under each engine option; ``PERFNB_DIFF_ALL=1`` runs
the whole corpus under every variant, ``PERFNB_DIFF_ENGINES=0`` only plain ``%%perf``.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from IPython.core.error import UsageError

from perfnb import options as perf_options

from .corpus import CELLS, CORE_IDS, Cell
from .runner import PERF, PLAIN, CellRun, Variant, run_variants

pytestmark = pytest.mark.kernel

ENGINE_OPTIONS = ["--memory", "--lines", "--torch"]


def _available(option: str) -> bool:
    try:
        perf_options.parse(option)
    except UsageError:
        return False
    return True


# PERFNB_DIFF_ENGINES=0 leaves the engine variants out (a quicker local run).
ENGINE_VARIANTS = [
    Variant(f"perf{opt}", f"%%perf {opt}")
    for opt in ENGINE_OPTIONS
    if _available(opt) and os.environ.get("PERFNB_DIFF_ENGINES") != "0"
]
ALL = os.environ.get("PERFNB_DIFF_ALL") == "1"
CORE = [cell for cell in CELLS if cell.id in CORE_IDS]


def _cells_for(variant: Variant) -> list[Cell]:
    return CELLS if variant is PERF or ALL else CORE


_results: dict[tuple[str, bool], dict[str, CellRun]] = {}


def _runs(variant: Variant, full: bool) -> dict[str, CellRun]:
    """Runs for the variant; the first call runs every variant over the same cells side by side."""
    key = (variant.name, full)
    if key not in _results:
        variants = [PLAIN] + [v for v in [PERF, *ENGINE_VARIANTS] if (_cells_for(v) is CELLS) == full]
        for v, runs in zip(variants, run_variants(variants, CELLS if full else CORE), strict=True):
            _results[(v.name, full)] = runs
    return _results[key]


def _namespace_changes(runs: dict[str, CellRun], cells: list[Cell], index: int) -> dict[str, Any]:
    """The names the cell added, changed or removed (so one difference does not repeat in every later cell)."""
    current = runs[cells[index].id]
    before: dict[str, str] = {}
    if index > 0:
        previous = runs[cells[index - 1].id]
        if not previous.died and previous.probe:
            before = previous.probe.get("namespace", {})
    after: dict[str, str] = (current.probe or {}).get("namespace", {})
    return {
        "set": {k: v for k, v in after.items() if before.get(k) != v},
        "removed": sorted(set(before) - set(after)),
    }


def _params() -> list[Any]:
    params = []
    for variant in [PERF, *ENGINE_VARIANTS]:
        for cell in _cells_for(variant):
            # A known difference is xfail where it shows: in a run of the whole corpus.
            marks = [pytest.mark.xfail(strict=True, reason=cell.xfail)] if cell.xfail and _cells_for(variant) is CELLS else []
            params.append(pytest.param(variant, cell, id=f"{variant.name}:{cell.id}", marks=marks))
    return params


def test_the_corpus_is_large_and_varied() -> None:
    ids = [cell.id for cell in CELLS]
    assert len(ids) >= 150 and len(set(ids)) == len(ids)
    assert set(ids) >= CORE_IDS
    assert sum(cell.kills for cell in CELLS) >= 2


@pytest.mark.parametrize(("variant", "cell"), _params())
def test_a_profiled_cell_does_what_the_plain_cell_does(variant: Variant, cell: Cell) -> None:
    cells = _cells_for(variant)
    full = cells is CELLS
    plain, profiled = _runs(PLAIN, full), _runs(variant, full)
    index = cells.index(cell)
    expected, got = plain[cell.id], profiled[cell.id]

    assert got.comparable() | {"namespace": None} == expected.comparable() | {"namespace": None}
    if not got.died:
        assert _namespace_changes(profiled, cells, index) == _namespace_changes(plain, cells, index)

    # perfnb's own part: one profile under the cell, no warning unless expected, nothing left behind.
    if not cell.kills:
        assert got.profiles == (0 if cell.no_profile else 1), f"{got.profiles} profiles displayed"
    assert bool(got.perfnb_warnings) == cell.perfnb_warns, got.perfnb_warnings
    assert all(len(w.splitlines()) == 1 for w in got.perfnb_warnings)
    if got.probe is not None and not got.died:
        hooks, baseline = got.probe["hooks"], (expected.probe or {}).get("hooks", {})
        assert hooks["perfnb_threads"] == [] and not hooks["perfnb_active_recording"], hooks
        assert not any("perfnb" in str(v) for v in hooks.values()), hooks
        # The same handlers, timers, trace/profile functions, gc callbacks and tracemalloc state
        # as without perfnb; a hook probed only here (the torch profiler, once --torch imported
        # torch) must be off.
        assert {k: v for k, v in hooks.items() if k in baseline} == baseline
        assert not any(v for k, v in hooks.items() if k not in baseline), hooks


def test_the_final_namespaces_match() -> None:
    plain, profiled = _runs(PLAIN, True), _runs(PERF, True)
    for cell in reversed(CELLS):  # the last cell the last kernel session ran
        if not plain[cell.id].died:
            assert (profiled[cell.id].probe or {}).get("namespace") == (plain[cell.id].probe or {}).get("namespace")
            break

"""A labelled corpus of notebook cells for the advisor.

Each case is a setup cell (run normally) and a cell profiled with ``%%perf``; ``labels``
are the categories a careful reviewer would suggest for it (empty: nothing worth
suggesting), ``fires`` the rules that must fire, ``near_miss`` the rules it resembles
but must not trigger. The cells run for real, so the evidence is measured.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    id: str
    setup: str
    cell: str
    labels: frozenset[str] = frozenset()
    fires: frozenset[str] = frozenset()
    near_miss: frozenset[str] = frozenset()
    flags: str = ""
    needs: tuple[str, ...] = field(default=())  # modules the case imports (skipped when missing)


def case(
    id: str, setup: str, cell: str, labels: tuple[str, ...] = (), fires: tuple[str, ...] = (),
    near_miss: tuple[str, ...] = (), flags: str = "", needs: tuple[str, ...] = (),
) -> Case:
    return Case(id, setup.strip("\n"), cell.strip("\n"), frozenset(labels), frozenset(fires), frozenset(near_miss),
                flags, needs)


def all_cases() -> list[Case]:
    from . import caching, memory, parallelism, structures, torch_cases, vectorization

    return [
        *vectorization.CASES, *structures.CASES, *caching.CASES, *memory.CASES,
        *torch_cases.CASES, *parallelism.CASES,
    ]

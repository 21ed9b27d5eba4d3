"""Collapsed ("folded") stacks as flamegraph.pl, inferno and speedscope read them:
``frame;frame;frame VALUE`` per line, VALUE the self time in microseconds."""

from __future__ import annotations

from .stacks import Labelled, stacks, tree_of, where


def to_collapsed(profiles: list[Labelled]) -> str:
    lines = []
    for label, profile in profiles:
        for path, self_s in stacks(tree_of(profile, label)):
            micros = round(self_s * 1e6)
            if micros > 0:
                lines.append(";".join(_frame(n.name, where(n)) for n in path) + f" {micros}")
    return "\n".join(lines) + ("\n" if lines else "")


def _frame(name: str, location: str) -> str:
    text = f"{name} ({location})" if location and location != name + ":1" else name
    return text.replace(";", ",").replace("\n", " ")

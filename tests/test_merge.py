"""Merging profiles of repeated runs (perfnb/merge.py): property tests with hypothesis."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfnb.merge import merge_lines, merge_profiles, merge_trees
from perfnb.model import Profile, TreeNode

from .conftest import validate
from .test_model import profiles_strategy, trees


def _consistent(node: TreeNode) -> TreeNode:
    for child in node.children:
        _consistent(child)
    node.time_s = node.self_s + sum(c.time_s for c in node.children)
    return node


@settings(max_examples=20, deadline=None)
@given(st.lists(profiles_strategy, min_size=1, max_size=4))
def test_merged_runs_keep_every_run_and_every_second(runs: list[Profile]) -> None:
    merged = merge_profiles(runs)
    assert merged.timing.runs_s == [r for p in runs for r in p.timing.runs_s]
    assert merged.timing.wall_s == pytest.approx(sum(p.timing.wall_s for p in runs))
    assert sum(s.time_s for s in merged.lines) == pytest.approx(sum(s.time_s for p in runs for s in p.lines))
    keys = {(s.origin, s.cell, s.file, s.line) for p in runs for s in p.lines}
    assert len(merged.lines) == len(keys)
    trees_in = [p.tree for p in runs if p.tree is not None]
    if trees_in:
        assert merged.tree is not None
        assert merged.tree.time_s == pytest.approx(sum(t.time_s for t in trees_in))
    assert merged.memory.rss_peak_bytes == max(p.memory.rss_peak_bytes for p in runs)


@settings(max_examples=10, deadline=None)
@given(runs=st.lists(profiles_strategy, min_size=1, max_size=4))
def test_a_merged_profile_is_a_valid_profile_and_round_trips(runs: list[Profile], schema: dict[str, Any]) -> None:
    merged = merge_profiles(runs)
    validate(merged.to_dict(), schema)
    assert Profile.from_json(merged.to_json()) == merged


@settings(max_examples=20, deadline=None)
@given(st.lists(profiles_strategy, min_size=3, max_size=5))
def test_merging_in_any_grouping_gives_the_same_totals(runs: list[Profile]) -> None:
    whole = merge_profiles(runs)
    halves = merge_profiles([merge_profiles(runs[:2]), merge_profiles(runs[2:])])
    assert halves.timing.runs_s == whole.timing.runs_s
    by_key = {(s.origin, s.cell, s.file, s.line): s.time_s for s in whole.lines}
    assert {(s.origin, s.cell, s.file, s.line): pytest.approx(s.time_s) for s in halves.lines} == by_key


@settings(max_examples=30, deadline=None)
@given(st.lists(trees(depth=3), min_size=1, max_size=4), st.integers(1, 30))
def test_merged_trees_are_capped_and_keep_totals(parts: list[TreeNode], cap: int) -> None:
    parts = [_consistent(t) for t in parts]
    merged = merge_trees(parts, max_nodes=cap)
    assert merged is not None
    assert merged.time_s == pytest.approx(sum(t.time_s for t in parts))
    assert sum(1 for n in merged.walk() if n.name != "[other]") <= max(cap, 1) + sum(
        1 for t in parts for n in t.walk() if n.name == "[other]"
    )
    for node in merged.walk():
        if node.children:
            assert sum(c.time_s for c in node.children) == pytest.approx(node.time_s - node.self_s, abs=1e-6)


def test_merging_nothing_is_refused() -> None:
    with pytest.raises(ValueError):
        merge_profiles([])
    assert merge_lines([]) == []

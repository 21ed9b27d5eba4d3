"""The Profile model: JSON round trip and the perfnb.profile/1 schema."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfnb.engines.aggregate import prune_tree
from perfnb.model import SCHEMA, CellInfo, LineStat, Profile, Suggestion, TreeNode
from perfnb.stats import timing_from_runs

from .conftest import validate

seconds = st.floats(min_value=0, max_value=1e4, allow_nan=False)
text = st.text(max_size=30)


def line_stats() -> st.SearchStrategy[LineStat]:
    return st.builds(
        LineStat,
        origin=st.sampled_from(["cell", "file"]),
        cell=st.one_of(st.none(), st.integers(1, 500)),
        file=text,
        line=st.integers(1, 5000),
        code=text,
        time_s=seconds,
        native_s=seconds,
        hits=st.one_of(st.none(), st.integers(0, 10**9)),
        alloc_bytes=st.one_of(st.none(), st.integers(-(10**12), 10**12)),
    )


def trees(depth: int = 3) -> st.SearchStrategy[TreeNode]:
    leaf = st.builds(TreeNode, name=text, file=text, line=st.integers(0, 999), time_s=seconds, self_s=seconds)
    if depth == 0:
        return leaf
    return st.builds(
        TreeNode,
        name=text,
        file=text,
        line=st.integers(0, 999),
        time_s=seconds,
        self_s=seconds,
        children=st.lists(trees(depth - 1), max_size=3),
    )


profiles_strategy = st.builds(
    Profile,
    cell=st.builds(CellInfo, execution_count=st.one_of(st.none(), st.integers(1, 999)), source=text),
    timing=st.lists(st.floats(min_value=1e-6, max_value=100), min_size=1, max_size=30).map(
        lambda runs: timing_from_runs(runs, cpu_s=sum(runs))
    ),
    lines=st.lists(line_stats(), max_size=8),
    tree=st.one_of(st.none(), trees()),
    suggestions=st.lists(
        st.builds(
            Suggestion,
            rule=text,
            category=st.sampled_from(["vectorization", "caching", "memory", "batching"]),
            level=st.sampled_from(["beginner", "intermediate", "advanced", "expert"]),
            title=text,
            evidence=text,
            lines=st.lists(st.integers(1, 100), max_size=3),
            fix=text,
            tutorial=text,
        ),
        max_size=3,
    ),
)


@settings(max_examples=60, deadline=None)
@given(profiles_strategy)
def test_json_round_trip_keeps_every_field(profile: Profile) -> None:
    again = Profile.from_json(profile.to_json())
    assert again == profile
    assert json.loads(again.to_json()) == json.loads(profile.to_json())


@settings(max_examples=60, deadline=None)
@given(profile=profiles_strategy)
def test_every_profile_matches_the_schema(profile: Profile, schema: dict[str, Any]) -> None:
    validate(profile.to_dict(), schema)


def test_a_profile_of_another_schema_version_is_refused() -> None:
    data = Profile(cell=CellInfo(1, "x"), timing=timing_from_runs([0.1], 0.1)).to_dict()
    data["schema"] = "perfnb.profile/2"
    with pytest.raises(ValueError, match=r"perfnb\.profile/2"):
        Profile.from_dict(data)


def test_unknown_fields_are_ignored_for_forward_compatibility() -> None:
    data = Profile(cell=CellInfo(1, "x"), timing=timing_from_runs([0.1], 0.1)).to_dict()
    data["added_later"] = {"x": 1}
    data["timing"]["added_later"] = 3
    assert Profile.from_dict(data).schema == SCHEMA


def test_deep_recursion_is_capped_in_the_tree_and_still_serialises() -> None:
    import sys

    import perfnb

    def down(n: int) -> int:
        if n == 0:
            end = time.perf_counter() + 0.05
            while time.perf_counter() < end:
                pass
            return 0
        return down(n - 1) + 1

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(5000)
    try:
        with perfnb.profile() as run:
            down(1500)
    finally:
        sys.setrecursionlimit(limit)
    profile = run.profile
    assert profile is not None and profile.tree is not None
    depth, node = 0, profile.tree
    while node.children:
        node, depth = node.children[0], depth + 1
    assert 100 < depth <= 200
    again = Profile.from_json(profile.to_json())
    assert again.tree is not None and again.tree.time_s == pytest.approx(profile.tree.time_s)


@settings(max_examples=60, deadline=None)
@given(trees(depth=4), st.integers(1, 20))
def test_pruning_keeps_the_totals_of_every_kept_node(tree: TreeNode, cap: int) -> None:
    def fix_totals(node: TreeNode) -> None:  # make time_s consistent: self + children
        for child in node.children:
            fix_totals(child)
        node.time_s = node.self_s + sum(c.time_s for c in node.children)

    fix_totals(tree)
    before = {id(n): n.time_s for n in tree.walk()}
    pruned = prune_tree(tree, cap)
    kept = [n for n in pruned.walk() if n.name != "[other]" or id(n) in before]
    assert sum(1 for n in kept if id(n) in before) <= max(cap, 1)
    for node in pruned.walk():
        if node.children:
            assert sum(c.time_s for c in node.children) == pytest.approx(node.time_s - node.self_s, abs=1e-6)

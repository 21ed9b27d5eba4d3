"""The static report's pictures: inline SVG (matplotlib), text from user code kept as text."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from perfnb.model import CellInfo, Memory, Meta, Profile, Timing, TreeNode
from perfnb.render import pictures
from perfnb.render.bundle import mime_bundle

from .conftest import profiles, run

pytest.importorskip("matplotlib")

EVIL = "<script>alert(1)</script> $x^2$ & {braces}"


def profile(runs: list[float], timeline: list[list[float]], tree: TreeNode | None, samples: int = 200) -> Profile:
    timing = Timing(wall_s=sum(runs), cpu_s=sum(runs), runs_s=runs, p50_s=sorted(runs)[len(runs) // 2],
                    p95_s=max(runs), p99_s=max(runs))
    return Profile(cell=CellInfo(3, "x = 1"), timing=timing, tree=tree,
                   memory=Memory(rss_peak_bytes=5_000_000, timeline=timeline), meta=Meta(samples=samples))


def tree() -> TreeNode:
    deep = TreeNode("leaf", "b.py", 1, 0.4, 0.4, native_s=0.3)
    return TreeNode("In [3]", "In [3]", 1, 1.0, 0.0, [
        TreeNode(EVIL, "/env/site-packages/a.py", 3, 0.6, 0.2, [deep], native_s=0.3),
        TreeNode("tiny", "c.py", 1, 0.001, 0.001),
    ])


def test_each_picture_is_an_svg_element_drawn_only_when_there_is_something_to_draw() -> None:
    many = profile([0.10, 0.11, 0.12, 0.10, 0.30], [[0.0, 1e6], [0.5, 4e6], [1.0, 2e6]], tree())
    one = profile([0.1], [[0.0, 1e6]], None)
    for svg in (pictures.latency_histogram(many.timing), pictures.memory_timeline(many.memory), pictures.flame_graph(many.tree)):
        assert svg is not None and svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert pictures.latency_histogram(one.timing) is None
    assert pictures.memory_timeline(one.memory) is None
    assert pictures.flame_graph(one.tree) is None
    assert pictures.pictures_html(one) == ""
    html = pictures.pictures_html(many)
    assert html.count("<svg") == 3 and "p50" in html and "peak 4.0 MB" in html
    # A cell too short to be sampled gets no memory or flame picture (nothing to see; drawing costs).
    few = profile([0.10, 0.11, 0.12, 0.10, 0.30], [[0.0, 1e6], [0.5, 4e6], [1.0, 2e6]], tree(), samples=3)
    assert pictures.pictures_html(few).count("<svg") == 1


def test_names_in_the_flame_graph_are_escaped_text_and_tiny_frames_are_left_out() -> None:
    svg = pictures.flame_graph(tree())
    assert svg is not None
    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; $x^2$ &amp; {braces}" in svg  # not mathtext, not markup
    assert "leaf" in svg and "tiny" not in svg


def test_the_static_report_carries_the_pictures_and_no_script() -> None:
    bundle = mime_bundle(profile([0.1, 0.12, 0.11, 0.2], [[0.0, 1e6], [1.0, 3e6]], tree()))
    html = bundle["text/html"]
    assert html.count("<svg") == 3
    assert not re.search(r"<script\b", html, re.IGNORECASE)


def test_a_typical_profiled_cell_stays_under_300_kb(ip: Any) -> None:
    run(ip, "def typical_work(n):\n    return sorted((i * 7919) % 1000 for i in range(n))\n")
    run(ip, "%%perf\nimport json as _j\nfor _ in range(4): typical_work(200000)\n_j.dumps(list(range(50000)))[:10]")
    [bundle] = [d for d in ip.captured if "text/html" in d and profiles(ip)]
    size = len(json.dumps(bundle))
    assert size <= 300_000, size

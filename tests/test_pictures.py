"""The static report's pictures: inline SVG written by perfnb, text from user code kept as text."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from perfnb.model import CellInfo, Memory, Meta, Profile, Timing, TreeNode
from perfnb.render import pictures
from perfnb.render.bundle import mime_bundle

from .conftest import modules_imported, profiles, run

EVIL = "<script>alert(1)</script> $x^2$ & {braces}"
NS = "{http://www.w3.org/2000/svg}"
RUNS = [0.10, 0.11, 0.12, 0.10, 0.30]
TIMELINE = [[0.0, 1e6], [0.5, 4e6], [1.0, 2e6]]


def profile(runs: list[float], timeline: list[list[float]], tree: TreeNode | None, samples: int = 200) -> Profile:
    timing = Timing(wall_s=sum(runs), cpu_s=sum(runs), runs_s=runs, p50_s=sorted(runs)[len(runs) // 2],
                    p95_s=max(runs) * 0.9, p99_s=max(runs))
    return Profile(cell=CellInfo(3, "x = 1"), timing=timing, tree=tree,
                   memory=Memory(rss_peak_bytes=5_000_000, timeline=timeline), meta=Meta(samples=samples))


def tree() -> TreeNode:
    deep = TreeNode("leaf", "b.py", 1, 0.4, 0.4, native_s=0.3)
    return TreeNode("In [3]", "In [3]", 1, 1.0, 0.0, [
        TreeNode(EVIL, "/env/site-packages/a.py", 3, 0.6, 0.2, [deep], native_s=0.3),
        TreeNode("narrow", "c.py", 2, 0.01, 0.01),  # drawn, too narrow for its name
        TreeNode("tiny", "c.py", 1, 0.001, 0.001),  # under 0.4%: left out
    ])


def parse(svg: str | None) -> ET.Element:
    """The picture as XML (a parse error fails the test), checked to be named for assistive technology."""
    assert svg is not None and svg.startswith("<svg")
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg" and root.get("role") == "img" and root.get("aria-label")
    assert root[0].tag == f"{NS}title" and root[0].text == root.get("aria-label")
    return root


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{NS}text")]


def test_the_latency_histogram_has_bars_for_every_run_axes_with_units_and_the_percentiles() -> None:
    timing = profile(RUNS, TIMELINE, None).timing
    root = parse(pictures.latency_histogram(timing))
    bars = list(root.iter(f"{NS}rect"))
    assert sum(int((bar[0].text or "").split()[0]) for bar in bars) == len(RUNS)  # "<n> runs from … to …"
    labels = texts(root)
    assert [t for t in labels if re.match(r"p\d\d ", t)] == ["p50 110.0 ms", "p95 270.0 ms", "p99 300.0 ms"]
    assert "time per run" in labels and "runs" in labels
    assert any(t.endswith(" ms") for t in labels)  # x ticks carry their unit
    assert "p50 110.0 ms" in (root.get("aria-label") or "")
    # All runs equal: still one bar, and still well-formed.
    same = parse(pictures.latency_histogram(Timing(0.5, 0.5, [0.1] * 5, 0.1, 0.1, 0.1)))
    assert len(list(same.iter(f"{NS}rect"))) == 1


def test_the_memory_timeline_draws_every_sample_and_marks_the_peak() -> None:
    root = parse(pictures.memory_timeline(Memory(rss_peak_bytes=4_000_000, timeline=TIMELINE)))
    [line] = root.iter(f"{NS}polyline")
    assert len((line.get("points") or "").split()) == len(TIMELINE)
    [dot] = root.iter(f"{NS}circle")
    peak_x, peak_y = (line.get("points") or "").split()[1].split(",")
    assert (dot.get("cx"), dot.get("cy")) == (peak_x, peak_y)
    labels = texts(root)
    assert "peak 4.0 MB" in labels and "resident memory" in labels
    assert {"0", "1 MB", "4 MB", "200 ms", "1 s"} <= set(labels)  # ticks with units


def test_the_flame_graph_has_a_frame_per_visible_call_coloured_and_named_as_text() -> None:
    svg = pictures.flame_graph(tree())
    root = parse(svg)
    frames = {(g[0].text or "").split("\n")[0]: g for g in root.iter(f"{NS}g") if g.find(f"{NS}rect") is not None}
    assert set(frames) == {"In [3]", EVIL, "leaf", "narrow"}  # "tiny" is under 0.4%
    named = {label.text for g in frames.values() for label in g.iter(f"{NS}text")}
    assert named == {"In [3] (1.00 s)", f"{EVIL} (600.0 ms)", "leaf (400.0 ms)"}  # "narrow" has no room

    def rgb(name: str) -> tuple[int, ...]:
        fill = next(frames[name].iter(f"{NS}rect")).get("fill") or ""
        return tuple(int(fill[i : i + 2], 16) for i in (1, 3, 5))

    assert rgb("In [3]")[0] > rgb("In [3]")[2]  # Python: orange
    assert rgb("leaf")[2] > rgb("leaf")[0]  # mostly native: blue
    assert min(rgb(EVIL)) > min(rgb("In [3]"))  # library code: paler
    # User text is escaped: never markup, and XML parsing gives back the very string.
    assert svg is not None and "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; $x^2$ &amp; {braces}" in svg


def test_characters_xml_cannot_hold_do_not_break_the_picture() -> None:
    odd = TreeNode("In [3]", "In [3]", 1, 1.0, 0.0, [TreeNode("bad\x00name\x1b'\"", "a\udcff.py", 1, 1.0, 1.0)])
    root = parse(pictures.flame_graph(odd))
    assert "bad\ufffdname\ufffd'\"" in texts(root)[1]


def test_each_picture_is_drawn_only_when_there_is_something_to_draw() -> None:
    one = profile([0.1], [[0.0, 1e6]], None)
    assert pictures.latency_histogram(one.timing) is None
    assert pictures.memory_timeline(one.memory) is None
    assert pictures.flame_graph(one.tree) is None
    assert pictures.pictures_html(one) == ""
    html = pictures.pictures_html(profile(RUNS, TIMELINE, tree()))
    wrapper = ET.fromstring(html)  # the whole block is well-formed too
    assert len(list(wrapper.iter(f"{NS}svg"))) == 3 and len(list(wrapper.iter("figcaption"))) == 3
    # A cell too short to be sampled gets no memory or flame picture (nothing to see).
    few = profile(RUNS, TIMELINE, tree(), samples=3)
    assert pictures.pictures_html(few).count("<svg") == 1


def test_the_static_report_carries_the_pictures_and_no_script() -> None:
    bundle = mime_bundle(profile([0.1, 0.12, 0.11, 0.2], [[0.0, 1e6], [1.0, 3e6]], tree()))
    html = bundle["text/html"]
    assert html.count("<svg") == 3
    assert not re.search(r"<script\b", html, re.IGNORECASE)
    assert not re.search(r"(href|src)\s*=", html)  # no external assets


def test_drawing_the_pictures_imports_no_plotting_library() -> None:
    code = (
        "from tests.test_pictures import profile, tree, RUNS, TIMELINE\n"
        "from perfnb.render.pictures import pictures_html\npictures_html(profile(RUNS, TIMELINE, tree()))\n"
    )
    assert modules_imported(code, ("matplotlib",)) == []


def test_a_typical_profiled_cell_stays_under_300_kb(ip: Any) -> None:
    run(ip, "def typical_work(n):\n    return sorted((i * 7919) % 1000 for i in range(n))\n")
    run(ip, "%%perf\nimport json as _j\nfor _ in range(4): typical_work(200000)\n_j.dumps(list(range(50000)))[:10]")
    [bundle] = [d for d in ip.captured if "text/html" in d and profiles(ip)]
    size = len(json.dumps(bundle))
    assert size <= 300_000, size

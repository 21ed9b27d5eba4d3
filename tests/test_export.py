"""``perfnb export``: speedscope, Chrome trace, collapsed stacks and pstats, from a known call tree
and from a real profile."""

from __future__ import annotations

import json
import pstats
from pathlib import Path
from typing import Any

import pytest

from perfnb.model import TreeNode

from .cli_helpers import make_profile, perfnb, run_document, write


def known_tree() -> TreeNode:
    """In [3] (self 0.1) -> f (0.2) -> g (0.4); In [3] -> h;weird (0.1) -> h;weird (0.2): 1.0 s in all."""
    g = TreeNode("g", "lib.py", 10, time_s=0.4, self_s=0.4)
    f = TreeNode("f", "In [2]", 1, time_s=0.6, self_s=0.2, children=[g], cell=2)
    inner = TreeNode("h;weird", "lib.py", 20, time_s=0.2, self_s=0.2)
    h = TreeNode("h;weird", "lib.py", 20, time_s=0.3, self_s=0.1, children=[inner])
    return TreeNode("In [3]", "In [3]", 1, time_s=1.0, self_s=0.1, children=[f, h])


@pytest.fixture
def profile_file(tmp_path: Path) -> Path:
    profile = make_profile([1.0], tree=known_tree())
    profile.memory.timeline = [[0.0, 1e8], [0.5, 1.2e8]]
    return write(tmp_path / "prof.json", profile.to_dict())


def export(path: Path, fmt: str, *extra: str) -> Path:
    result = perfnb("export", path, "--format", fmt, *extra)
    assert result.returncode == 0, result.stderr
    return Path(result.stderr.strip().removeprefix("perfnb: wrote "))


def test_speedscope_samples_are_the_paths_weighted_by_self_time(profile_file: Path) -> None:
    out = export(profile_file, "speedscope")
    assert out.name == "prof.speedscope.json"
    data = json.loads(out.read_text())
    assert data["$schema"] == "https://www.speedscope.app/file-format-schema.json"
    frames = data["shared"]["frames"]
    (profile,) = data["profiles"]
    assert profile["type"] == "sampled" and profile["unit"] == "seconds"
    assert sum(profile["weights"]) == pytest.approx(1.0)
    stacks = {tuple(frames[i]["name"] for i in s): w for s, w in zip(profile["samples"], profile["weights"], strict=True)}
    assert stacks[("In [3]", "f", "g")] == pytest.approx(0.4)
    assert stacks[("In [3]", "h;weird", "h;weird")] == pytest.approx(0.2)
    assert {"name": "g", "file": "lib.py", "line": 10} in frames


def test_chrome_trace_nests_children_inside_their_parent(profile_file: Path) -> None:
    data = json.loads(export(profile_file, "chrome", "-o", str(profile_file.with_name("t.json"))).read_text())
    events = data["traceEvents"]
    complete = {e["name"] + str(e["dur"]): e for e in events if e["ph"] == "X"}
    f, g = complete["f" + str(0.6e6)], complete["g" + str(0.4e6)]
    assert f["ts"] <= g["ts"] and g["ts"] + g["dur"] <= f["ts"] + f["dur"]
    assert g["args"]["where"] == "lib.py:10"
    assert [e["args"]["bytes"] for e in events if e["ph"] == "C"] == [1e8, 1.2e8]
    assert any(e["ph"] == "M" and e["name"] == "thread_name" for e in events)


def test_collapsed_stacks_in_microseconds(profile_file: Path) -> None:
    lines = export(profile_file, "collapsed").read_text().splitlines()
    folded = dict(line.rsplit(" ", 1) for line in lines)
    assert folded["In [3];f (In [2]:1);g (lib.py:10)"] == "400000"
    assert folded["In [3];h,weird (lib.py:20);h,weird (lib.py:20)"] == "200000"  # ';' would split a frame
    assert sum(int(v) for v in folded.values()) == 1_000_000


def test_pstats_file_loads_in_pstats(profile_file: Path) -> None:
    stats = pstats.Stats(str(export(profile_file, "pstats")))
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    cc, _nc, tt, ct, callers = table[("lib.py", 20, "h;weird")]
    assert (cc, tt, ct) == (2, pytest.approx(0.3), pytest.approx(0.3))  # recursion: cumulative counted once
    cc, _nc, tt, ct, callers = table[("lib.py", 10, "g")]
    assert tt == pytest.approx(0.4) and set(callers) == {("In [2]", 1, "f")}
    assert stats.total_tt == pytest.approx(1.0)  # type: ignore[attr-defined]


def test_a_run_document_exports_one_profile_per_cell(tmp_path: Path) -> None:
    doc = write(tmp_path / "run.json", run_document([
        ("a", "one()", [make_profile([1.0], tree=known_tree())]),
        ("b", "two()", [make_profile([0.5])]),  # no call tree: one frame with its wall time
    ]))
    data = json.loads(export(doc, "speedscope").read_text())
    assert [p["name"] for p in data["profiles"]] == ["cell 0 In [3]", "cell 1 In [3]"]
    assert sum(data["profiles"][1]["weights"]) == pytest.approx(0.5)


def test_a_real_profile_exports(tmp_path: Path) -> None:
    import perfnb

    def busy_function() -> int:
        return sum(i * i for i in range(400_000))

    with perfnb.profile() as run:
        busy_function()
    assert run.profile is not None
    path = write(tmp_path / "real.json", run.profile.to_dict())
    names = {func[2] for func in pstats.Stats(str(export(path, "pstats"))).stats}  # type: ignore[attr-defined]
    assert any("busy_function" in name for name in names)
    collapsed = export(path, "collapsed").read_text()
    assert "busy_function" in collapsed

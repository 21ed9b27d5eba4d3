"""The interactive panel's Python side: the display (widget view + static mime types),
Verify, tutorial links and A/B comparison. What it looks like is tested in tests/browser/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from perfnb.compare import compare, diff_tree
from perfnb.model import MIME_TYPE, CellInfo, LineStat, Profile, Suggestion, Timing, TreeNode
from perfnb.render.panel_files import ESM
from perfnb.render.tutorial_links import tutorial_links

from .conftest import LOAD_EXT, modules_imported, run
from .kernel import execute

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
needs_bundle = pytest.mark.skipif(not ESM.is_file(), reason="panel not built: run `make frontend`")


def make_profile(runs: list[float], lines: list[tuple[str, float]], tree: TreeNode | None = None) -> Profile:
    ordered = sorted(runs)
    timing = Timing(wall_s=sum(runs), cpu_s=sum(runs), runs_s=runs, p50_s=ordered[len(ordered) // 2], p95_s=ordered[-1], p99_s=ordered[-1])
    stats = [
        LineStat(origin="cell", cell=1, file="In [1]", line=i + 2, code=code, time_s=t, native_s=0.0)
        for i, (code, t) in enumerate(lines)
    ]
    return Profile(cell=CellInfo(1, "\n".join(c for c, _ in lines)), timing=timing, lines=stats, tree=tree)


def suggestion(rule: str = "cache-pure-call", tutorial: str = "beginner/caching.ipynb") -> Suggestion:
    return Suggestion(rule=rule, category="caching", level="beginner", title="Cache f", evidence="f(3) called 1000 times",
                      lines=[2], fix="@functools.cache", tutorial=tutorial)


@needs_bundle
@pytest.mark.kernel
def test_in_a_kernel_one_display_carries_the_panel_and_the_static_report() -> None:
    [_, outputs] = execute(["%load_ext perfnb", "%%perf\ntotal = sum(i * i for i in range(300000))"])
    [display] = [o for o in outputs if o.get("output_type") == "display_data"]
    data = display["data"]
    assert set(data) >= {WIDGET_VIEW, MIME_TYPE, "text/html", "text/plain"}
    assert data[WIDGET_VIEW]["model_id"]
    assert "<svg" in data["text/html"]  # the static pictures, for nbviewer / GitHub / exported HTML
    assert len(json.dumps(data)) <= 300_000  # a typical cell stays small


def test_outside_a_kernel_only_the_static_mime_types_are_displayed(ip: Any) -> None:
    run(ip, "%%perf\nsum(range(200000))")
    [bundle] = [d for d in ip.captured if MIME_TYPE in d]
    assert WIDGET_VIEW not in bundle and "text/html" in bundle


@needs_bundle
def test_the_widget_carries_the_profile_the_module_and_the_tutorial_links() -> None:
    from perfnb.render.widget import ProfilePanel

    profile = make_profile([0.1], [("x = f()", 0.1)])
    profile.suggestions.append(suggestion())
    panel = ProfilePanel(profile)
    assert panel.profile == profile.to_dict()
    assert "renderPanel" in panel._esm or len(panel._esm) > 10_000  # the bundled ES module itself, not a URL
    assert "pnb-" in panel._css
    link = panel.tutorials["beginner/caching.ipynb"]
    assert link["binder"].startswith("https://mybinder.org/v2/gh/") and "labpath=tutorials/beginner/caching.ipynb" in link["binder"]
    assert panel.can_verify is False


@needs_bundle
def test_verify_runs_the_callback_and_updates_the_card() -> None:
    from perfnb.render.widget import ProfilePanel

    profile = make_profile([0.1], [("x = f()", 0.1)])
    profile.suggestions.append(suggestion())
    seen: list[tuple[float, str]] = []

    def verifier(rule: str, progress: Any) -> str:
        progress(0.5, "halfway")
        seen.append((0.5, rule))
        return "3.1× faster (measured)"

    panel = ProfilePanel(profile, verifier=verifier)
    states: list[dict[str, Any]] = []
    panel.observe(lambda change: states.append(change["new"]), names="verify")
    panel._on_message(panel, {"type": "verify", "rule": "cache-pure-call"}, [])
    assert seen == [(0.5, "cache-pure-call")]
    assert [s["status"] for s in states] == ["running", "running", "done"]
    assert states[1]["progress"] == 0.5
    assert panel.profile["suggestions"][0]["verified"] == "3.1× faster (measured)"

    def broken(rule: str, progress: Any) -> str:
        raise RuntimeError("kernel busy")

    failing = ProfilePanel(profile, verifier=broken)
    failing.run_verify("cache-pure-call")
    assert failing.verify["status"] == "error" and "kernel busy" in failing.verify["message"]


def test_tutorial_links_name_the_file_on_disk_and_binder(tmp_path: Path) -> None:
    notebook_dir = tmp_path / "work" / "nb"
    notebook_dir.mkdir(parents=True)
    (tmp_path / "work" / "tutorials" / "beginner").mkdir(parents=True)
    (tmp_path / "work" / "tutorials" / "beginner" / "caching.ipynb").write_text("{}")
    links = tutorial_links(["beginner/caching.ipynb#memoize", "beginner/missing.ipynb"], cwd=notebook_dir)
    found = links["beginner/caching.ipynb#memoize"]
    assert found["file"] == (tmp_path / "work" / "tutorials" / "beginner" / "caching.ipynb").resolve().as_posix()
    assert found["binder"] == "https://mybinder.org/v2/gh/perfnb/perfnb/HEAD?labpath=tutorials/beginner/caching.ipynb"
    assert links["beginner/missing.ipynb"]["file"] is None  # the panel links to Binder


def test_compare_speedup_has_a_confidence_interval_and_line_deltas() -> None:
    slow_tree = TreeNode("In [1]", "In [1]", 1, 1.0, 0.0, [TreeNode("f", "In [1]", 2, 0.9, 0.9), TreeNode("g", "x.py", 1, 0.1, 0.1)])
    fast_tree = TreeNode("In [2]", "In [2]", 1, 0.5, 0.0, [TreeNode("f", "In [1]", 2, 0.4, 0.4), TreeNode("g", "x.py", 1, 0.1, 0.1)])
    base = make_profile([0.100, 0.102, 0.098, 0.101, 0.099, 0.103, 0.100, 0.097], [("y = f(x)", 0.8), ("z = g()", 0.1)], slow_tree)
    new = make_profile([0.050, 0.051, 0.049, 0.052, 0.050, 0.048, 0.051, 0.050], [("y = f(x)", 0.3), ("z = g()", 0.1)], fast_tree)
    result = compare(base, new, "before")
    assert 1.9 < result.speedup < 2.1
    assert result.speedup_ci is not None and result.speedup_ci[0] <= result.speedup <= result.speedup_ci[1]
    assert [(d.code, round(d.delta_s, 3)) for d in result.lines] == [("y = f(x)", -0.5)]
    tree = result.tree
    assert tree is not None and tree.delta_s == pytest.approx(-0.5)
    assert {c.name: round(c.delta_s, 3) for c in tree.children} == {"f": -0.5, "g": 0.0}
    plain = result.to_dict()
    assert plain["tree"]["children"][0]["base_s"] == 0.9
    single = compare(make_profile([0.1], [("a", 0.1)]), make_profile([0.05], [("a", 0.05)]), "one")
    assert single.speedup == pytest.approx(2.0) and single.speedup_ci is None
    assert diff_tree(None, None) is None


def test_save_and_compare_show_an_ab_section(ip: Any, capsys: pytest.CaptureFixture[str]) -> None:
    run(ip, "def work_ab(n):\n    return sum(i * i for i in range(n))\n")
    run(ip, "%%perf -n 6 --save ab-base\nwork_ab(60000)")
    run(ip, "%%perf -n 6 --compare ab-base\nwork_ab(20000)")
    html = ip.captured[-1]["text/html"]
    assert "faster than “ab-base”" in html and "95% CI" in html
    run(ip, "%%perf --compare nothing-saved\nwork_ab(10)")
    assert "no profile saved as 'nothing-saved'" in capsys.readouterr().err


def test_a_cell_compared_with_its_earlier_run_matches_its_lines(ip: Any) -> None:
    """The same code re-run (In [n] then In [n+1]) gives one delta per line, not one row per run."""
    run(ip, "def spin_ab(n):\n    return sum(i * i for i in range(n))\n")
    code = "a = spin_ab(N_AB)\nb = spin_ab(30000)\n"
    run(ip, "N_AB = 100000")
    run(ip, "%%perf -q -o _ab_base\n" + code)
    run(ip, "N_AB = 900000")
    run(ip, "%%perf -q -o _ab_new\n" + code)
    base, new = ip.user_ns["_ab_base"], ip.user_ns["_ab_new"]
    assert base.cell.execution_count != new.cell.execution_count
    [slower] = [d for d in compare(base, new, "base").lines if d.code == "a = spin_ab(N_AB)"]
    assert slower.base_s > 0 and slower.delta_s > 0


def test_load_ext_does_not_import_the_widget_stack() -> None:
    assert modules_imported(LOAD_EXT, ("anywidget", "ipywidgets", "matplotlib")) == []

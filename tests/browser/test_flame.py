"""The flame graph of a large call tree, in the panel's bundle (no JupyterLab needed): only the
frames wide enough to see are drawn, the narrow children of a frame merged into one; zooming
draws the narrower ones, and search finds names in the parts too narrow to draw."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
EVIL = '<img src=x onerror="window.__pnbXss=1">'
OPEN = """
async ([code, css, payload]) => {
  const style = document.createElement('style'); style.textContent = css; document.head.appendChild(style);
  const mod = await import(URL.createObjectURL(new Blob([code], {type: 'text/javascript'})));
  const el = document.createElement('div'); el.style.width = '1000px'; document.body.appendChild(el);
  const values = {profile: JSON.parse(payload), comparison: null, tutorials: {}, can_verify: false, verify: null};
  mod.default.render({model: {get: (k) => values[k], on() {}, off() {}, send() {}}, el});
}
"""


def node(name: str, time_s: float, children: list[dict[str, Any]] | None = None, native_s: float = 0.0) -> dict[str, Any]:
    kids = children or []
    return {"name": name, "file": "In [1]", "line": 1, "time_s": time_s, "native_s": native_s,
            "self_s": time_s - sum(c["time_s"] for c in kids), "children": kids}


def leaves_tree() -> dict[str, Any]:
    """200 leaves of 3 ms under `wide`: under 4 px each at the root's scale (1000 px for 1 s), 5 px zoomed on `wide`."""
    leaves = [node(f"leaf_{i}", 0.003, [node("needle_deep", 0.001)] if i == 7 else None) for i in range(200)]
    return node("In [1]", 1.0, [node("wide", 0.6, leaves), node(EVIL, 0.3, [node("<b>bold</b>", 0.3, native_s=0.3)])])


def open_flame(page: Any, tree: dict[str, Any]) -> Any:
    profile = {
        "schema": "perfnb.profile/1", "cell": {"execution_count": 1, "source": "work()"},
        "timing": {"wall_s": tree["time_s"], "cpu_s": tree["time_s"], "runs_s": [tree["time_s"]],
                   "p50_s": tree["time_s"], "p95_s": tree["time_s"], "p99_s": tree["time_s"]},
        "lines": [], "tree": tree, "memory": {"rss_peak_bytes": 0, "traced_peak_bytes": None, "timeline": []},
        "torch": None, "gpu": None, "suggestions": [],
    }
    static = ROOT / "perfnb" / "static"
    page.set_content("<!doctype html><html><body></body></html>")
    page.evaluate(OPEN, [(static / "panel.js").read_text(), (static / "panel.css").read_text(), json.dumps(profile)])
    page.locator("[data-view='flame']").click()
    flame = page.locator(".pnb-view.pnb-current .pnb-flame")
    flame.locator(".pnb-graph[aria-busy='false']").wait_for()  # every frame drawn
    return flame


def crumbs(flame: Any) -> list[str]:
    return [text.strip() for text in flame.locator(".pnb-crumb").all_inner_texts()]


def fill(flame: Any, name: str) -> str:
    return str(flame.locator(f"g.frame[name={json.dumps(name)}] rect").first.get_attribute("fill"))


def test_narrow_frames_are_merged_and_search_marks_what_shows_them(page: Any) -> None:
    flame = open_flame(page, leaves_tree())
    assert flame.locator("g.frame[name='wide']").count() == 1
    assert flame.locator("g.frame[name^='leaf_']").count() == 0
    assert flame.locator("g.frame[name='[200 narrow frames]']").count() == 1
    assert fill(flame, "wide") == "rgb(234,130,79)"  # Python
    assert fill(flame, "<b>bold</b>") == "rgb(79,138,234)"  # native
    assert fill(flame, "[200 narrow frames]") == "var(--pnb-other)"

    flame.locator(".pnb-search").fill("needle")
    assert flame.locator(".pnb-details").inner_text() == "1 frames match “needle”: 0% of the time"
    assert fill(flame, "[200 narrow frames]") == "var(--pnb-highlight)"  # the drawn frame it is part of
    assert fill(flame, "wide") != "var(--pnb-highlight)"

    flame.locator("g.frame[name='wide']").click()  # zoomed, the leaves are wide enough
    assert crumbs(flame) == ["In [1]", "wide"]
    assert flame.locator("g.frame[name^='leaf_']").count() == 200
    assert fill(flame, "leaf_7") == "var(--pnb-highlight)"  # needle_deep is still too narrow: its parent
    assert fill(flame, "leaf_8") != "var(--pnb-highlight)"

    flame.locator(".pnb-graph").press("Escape")
    assert crumbs(flame) == ["In [1]"]
    assert flame.locator("g.frame[name^='leaf_']").count() == 0


def test_zooming_into_merged_frames_draws_them(page: Any) -> None:
    flame = open_flame(page, leaves_tree())
    merged = flame.locator("g.frame[name='[200 narrow frames]']")
    merged.hover()
    assert "600.0 ms · 60% of the time" in flame.locator(".pnb-tip").inner_text()
    merged.click()
    assert crumbs(flame) == ["In [1]", "wide", "[200 narrow frames]"]
    leaf = flame.locator("g.frame[name='leaf_3']")
    assert 4.5 < float(str(leaf.get_attribute("width"))) < 5.5
    svg_width = float(str(flame.locator("svg").get_attribute("width")))
    assert float(str(flame.locator("g.frame[name='[200 narrow frames]']").get_attribute("width"))) == svg_width
    flame.get_by_role("button", name="wide", exact=True).click()  # a breadcrumb
    assert crumbs(flame) == ["In [1]", "wide"]
    flame.locator(".pnb-btn", has_text="reset zoom").click()
    assert crumbs(flame) == ["In [1]"]


def test_markup_in_names_stays_text_when_zoomed_and_orientation_flips(page: Any) -> None:
    flame = open_flame(page, leaves_tree())
    evil = flame.locator("g.frame[name^='<img']")
    evil.hover()
    assert flame.locator(".pnb-tip").inner_text().startswith(EVIL)
    evil.click()
    assert crumbs(flame) == ["In [1]", EVIL]
    expect(flame.locator("g.frame[name='<b>bold</b>'] .d3-flame-graph-label")).to_have_text("<b>bold</b>")
    assert flame.locator("img, b").count() == 0
    assert page.evaluate("window.__pnbXss") is None

    root = flame.locator("g.frame[name='In [1]']")
    expect(root).to_have_attribute("transform", "translate(0,0)")  # icicle: the root at the top
    flame.get_by_role("button", name="flame", exact=True).click()
    expect(root).not_to_have_attribute("transform", "translate(0,0)")
    expect(flame.get_by_role("button", name="icicle", exact=True)).to_have_count(1)


def test_a_large_tree_draws_only_what_can_be_seen(page: Any) -> None:
    groups = [node(f"group_{g}", 0.01, [node(f"fn_{g}_{i}", 0.00005) for i in range(200)]) for g in range(100)]
    flame = open_flame(page, node("In [1]", 1.0, groups))  # 20,101 nodes
    assert flame.locator("g.frame").count() == 1 + 100 + 100  # the root, the groups, one merged frame each
    flame.locator(".pnb-search").fill("fn_42_117")
    assert flame.locator(".pnb-details").inner_text().startswith("1 frames match")
    assert flame.locator("rect[fill='var(--pnb-highlight)']").count() == 1
    flame.locator("g.frame[name='group_42']").click()
    assert flame.locator("g.frame[name^='fn_42_']").count() == 200
    assert fill(flame, "fn_42_117") == "var(--pnb-highlight)"

"""What a user sees in JupyterLab: run a %%perf cell, see the panel, switch views, zoom the
flame graph, follow a tutorial link; markup from user code stays text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import Lab, dismiss_news, run_all, shared_page, shot

pytestmark = pytest.mark.browser

SETUP = "%load_ext perfnb"
WORK = (
    "def slow_squares(n):\n"
    "    total = 0\n"
    "    for i in range(n):\n"
    "        total += i * i\n"
    "    return total\n"
)
PROFILED = "%%perf -o prof\nslow_squares(1_500_000)\nsorted(range(200_000), key=lambda v: -v)[:3]"
# A suggestion (the advisor's rules are tested elsewhere) and markup in names, paths, source.
SHOW = (
    "from perfnb.model import LineStat, Suggestion, TreeNode\n"
    "from perfnb.render.bundle import show\n"
    "evil = '<img src=x onerror=\"window.__pnbXss=1\">'\n"
    "prof.suggestions.append(Suggestion(rule='cache-pure-call', category='caching', level='beginner',\n"
    "    title='Cache ' + evil, evidence='called 1000 times ' + evil, lines=[2], fix='<script>window.__pnbXss=2</script>',\n"
    "    tutorial='beginner/caching.ipynb'))\n"
    "prof.tree.children.append(TreeNode(name=evil, file='/tmp/<b>bold</b>.py', line=1, time_s=prof.tree.time_s * 0.3, self_s=0.0))\n"
    "prof.tree.time_s *= 1.3\n"
    "prof.lines.append(LineStat(origin='file', cell=None, file='/tmp/<b>bold</b>.py', line=7, code='x = \"<i>it</i>\" ' + evil,\n"
    "    time_s=prof.timing.wall_s * 0.2, native_s=0.0, function=evil))\n"
    "show(prof, shell=get_ipython())"
)


@pytest.fixture(scope="module")
def notebook_page(lab: Lab, browser: Any) -> Iterator[Any]:
    """One notebook, run once: a %%perf cell, then the same profile shown with a suggestion and markup."""
    lab.notebook("tutorials/beginner/caching.ipynb", ["# caching tutorial\nfrom functools import cache"])
    url = lab.notebook("work/profiled.ipynb", [SETUP, WORK, PROFILED, SHOW])
    with shared_page(browser, "test_panel") as page:
        run_all(page, url)
        page.locator(".perfnb-panel").nth(1).wait_for(state="visible", timeout=180_000)
        dismiss_news(page)
        yield page


def test_markup_from_user_code_is_shown_as_text(notebook_page: Any) -> None:
    page = notebook_page
    panel = page.locator(".perfnb-panel").nth(1)
    for view in ("Overview", "Source", "Flame graph", "Memory", "Advice"):
        panel.get_by_role("tab", name=view).click()
    panel.get_by_role("tab", name="Source").click()
    text = panel.inner_text()
    assert '<img src=x onerror="window.__pnbXss=1">' in text
    assert "<b>bold</b>.py" in text
    panel.get_by_role("tab", name="Advice").click()
    card_text = panel.locator(".pnb-card").first.inner_text()
    assert "<script>window.__pnbXss=2</script>" in card_text
    panel.get_by_role("tab", name="Flame graph").click()
    assert panel.locator("g.frame[name^='<img']").count() == 1  # a frame named with markup, as an attribute value
    assert panel.locator("img, script").count() == 0  # nothing from user code became an element
    assert panel.evaluate(
        "el => [...el.querySelectorAll('b, i')].filter(e => ['bold', 'it'].includes(e.textContent)).length"
    ) == 0
    assert page.evaluate("window.__pnbXss") is None
    shot(page, "panel-markup-as-text")


def test_panel_views_flame_zoom_and_tutorial_link(notebook_page: Any) -> None:
    page = notebook_page
    panel = page.locator(".perfnb-panel").nth(1)
    panel.get_by_role("tab", name="Overview").click()
    panel.scroll_into_view_if_needed()
    assert panel.locator(".pnb-chip").first.inner_text().startswith("wall")
    assert "slow_squares" in panel.locator(".pnb-view.pnb-current").inner_text()
    shot(page, "panel-overview")

    panel.get_by_role("tab", name="Source").click()
    source = panel.locator(".pnb-view.pnb-current .pnb-source")
    assert "total += i * i" in source.inner_text()
    shot(page, "panel-source")

    # a line of slow_squares → the flame graph, zoomed on that function
    source.locator("tr.pnb-hot", has_text="total += i * i").first.click()
    flame = panel.locator(".pnb-view.pnb-current .pnb-flame")
    flame.wait_for(state="visible")
    assert flame.locator(".pnb-crumb[aria-current='true']").inner_text() == "slow_squares"
    flame.locator(".pnb-btn", has_text="reset zoom").click()
    assert flame.locator(".pnb-crumb").count() == 1
    frame = flame.locator("g.frame[name='slow_squares']").first
    frame.click()
    page.wait_for_timeout(600)  # the zoom transition
    assert flame.locator(".pnb-crumb[aria-current='true']").inner_text() == "slow_squares"
    width = float(frame.locator("rect").get_attribute("width"))
    assert width > 0.9 * float(flame.locator("svg").first.get_attribute("width"))  # zoomed: it fills the width
    flame.locator(".pnb-search").fill("squares")
    assert "frames match" in flame.locator(".pnb-details").inner_text()
    frame.hover()
    assert "slow_squares" in flame.locator(".pnb-tip").inner_text()
    shot(page, "panel-flame-zoomed")

    # keyboard: arrow keys move between views
    panel.get_by_role("tab", name="Flame graph").focus()
    page.keyboard.press("ArrowRight")
    assert panel.get_by_role("tab", name="Memory").get_attribute("aria-selected") == "true"

    panel.get_by_role("tab", name="Advice").click()
    link = panel.locator(".pnb-card a.pnb-tutorial").first
    assert "lab/tree/tutorials/beginner/caching.ipynb" in (link.get_attribute("href") or "")
    # Verify: a message to the kernel, which measures and answers on the card
    card = panel.locator(".pnb-card").first
    card.get_by_role("button", name="Verify").click()
    page.wait_for_function(
        "() => /measured|withdrawn|kept|could not verify/.test(document.querySelectorAll('.perfnb-panel')[1].querySelector('.pnb-verify-status').textContent)",
        timeout=120_000,
    )
    shot(page, "panel-advice")
    with page.context.expect_page() as opened:
        link.click()
    tutorial_page = opened.value
    tutorial_page.locator(".lm-TabBar-tabLabel", has_text="caching.ipynb").first.wait_for(timeout=120_000)
    tutorial_page.get_by_text("caching tutorial").first.wait_for(timeout=60_000)
    shot(tutorial_page, "tutorial-opened")

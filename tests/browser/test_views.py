"""More of what a user sees in JupyterLab: the progress of a long `%%perf -n` series, the Compare
view of `%%perf --compare`, the GPU view of a stored profile with a torch section, and the panel
in JupyterLab's dark theme."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import ROOT, Lab, dismiss_news, run_all, shared_page, shot

pytestmark = pytest.mark.browser

PROGRESS_CELL = "%%perf -n 6 -q\nprint('tick')\ntime.sleep(0.3)"
# Records every progress text shown while the cells run (it is gone when they are done).
WATCH_PROGRESS = """() => {
  window.__pnbProgress = [];
  new MutationObserver(() => {
    for (const bar of document.querySelectorAll('.jp-OutputArea-output progress')) window.__pnbProgress.push(bar.parentElement.textContent);
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""
CELLS = [
    "%load_ext perfnb\nimport time",
    PROGRESS_CELL,
    "def work(n):\n    return sum(i * i for i in range(n))",
    "%%perf -n 5 --save before\nwork(150_000)",
    "%%perf -n 5 --compare before\nwork(50_000)",
    # a profile with a torch section and NVML samples, stored as JSON (no GPU needed to show it)
    "import json\nfrom perfnb.model import Profile\nfrom perfnb.render.bundle import show\n"
    "show(Profile.from_dict(json.load(open('profile-torch.json'))), shell=get_ipython())",
]

# WCAG contrast of two computed CSS colours (rgb()/rgba() over the given background).
CONTRAST = """([fg, bg]) => {
  const parse = (c) => c.match(/[\\d.]+/g).map(Number);
  const [br, bgG, bb] = parse(bg);
  const [r, g, b, a = 1] = parse(fg);
  const mixed = [r * a + br * (1 - a), g * a + bgG * (1 - a), b * a + bb * (1 - a)];
  const lum = ([x, y, z]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(x) + 0.7152 * f(y) + 0.0722 * f(z);
  };
  const [l1, l2] = [lum(mixed), lum([br, bgG, bb])].sort((p, q) => q - p);
  return (l1 + 0.05) / (l2 + 0.05);
}"""

# The panel's colours, and what JupyterLab's theme variables resolve to right now.
COLOURS = """(panel) => {
  const probe = document.createElement('div');
  probe.style.background = 'var(--jp-layout-color0)';
  probe.style.color = 'var(--jp-ui-font-color1)';
  document.body.appendChild(probe);
  const theme = getComputedStyle(probe);
  const style = getComputedStyle(panel);
  const muted = getComputedStyle(panel.querySelector('.pnb-muted'));
  const out = {bg: style.backgroundColor, fg: style.color, muted: muted.color,
               themeBg: theme.backgroundColor, themeFg: theme.color, light: document.body.dataset.jpThemeLight};
  probe.remove();
  return out;
}"""


@pytest.fixture(scope="module")
def views_notebook(lab: Lab, browser: Any) -> Iterator[Any]:
    url = lab.notebook("views/views.ipynb", CELLS)
    shutil.copy(ROOT / "tests" / "fixtures" / "profile-torch.json", lab.root / "views" / "profile-torch.json")
    with shared_page(browser, "test_views") as page:
        run_all(page, url, before=WATCH_PROGRESS)
        # this notebook only (JupyterLab also restores the notebooks an earlier test left open)
        notebook = page.locator(f"#{page.evaluate('window.jupyterapp.shell.currentWidget.id')}")
        notebook.locator(".perfnb-panel").nth(2).wait_for(state="attached", timeout=180_000)
        dismiss_news(page)
        yield notebook


def test_a_long_series_shows_its_progress_then_only_what_the_cell_printed(views_notebook: Any) -> None:
    shown = {text.strip().split(",")[0] for text in views_notebook.page.evaluate("window.__pnbProgress")}
    assert shown and shown <= {f"perfnb: run {k}/6" for k in range(1, 7)}  # updated in place as the runs go
    cell = views_notebook.locator(".jp-CodeCell", has_text="print('tick')")
    assert cell.locator("progress").count() == 0  # taken away at the end
    assert "".join(cell.locator(".jp-OutputArea-output").all_inner_texts()).split() == ["tick"] * 6


def test_compare_view_shows_the_speedup_and_a_differential_flame_graph(views_notebook: Any) -> None:
    notebook = views_notebook
    saved, compared = notebook.locator(".perfnb-panel").nth(0), notebook.locator(".perfnb-panel").nth(1)
    assert saved.get_by_role("tab", name="Compare").count() == 0  # --save alone compares nothing
    compared.scroll_into_view_if_needed()
    compared.get_by_role("tab", name="Compare").click()
    view = compared.locator(".pnb-view.pnb-current .pnb-compare")
    speedup = view.locator(".pnb-speedup")
    assert "faster than “before”" in speedup.inner_text() and "95% CI" in speedup.inner_text()
    assert "pnb-faster" in (speedup.get_attribute("class") or "")
    view.locator("g.frame").first.wait_for()
    assert view.locator("g.frame[name='work']").count() >= 1
    assert view.locator(".pnb-legend").inner_text() == "slowerfaster"  # the differential colours, not Python | native
    shot(notebook.page, "panel-compare")


def test_gpu_view_lists_the_torch_ops_sorted_by_device_time(views_notebook: Any) -> None:
    panel = views_notebook.locator(".perfnb-panel").nth(2)
    panel.scroll_into_view_if_needed()
    panel.get_by_role("tab", name="GPU").click()
    view = panel.locator(".pnb-view.pnb-current .pnb-gpu")
    chips = view.locator(".pnb-chips").first.inner_text()
    assert "cuda:0" in chips and "syncs 2" in chips and "FLOPs 412.0 G" in chips
    def ops() -> list[str]:
        return view.locator("tbody tr td:first-child").all_inner_texts()  # type: ignore[no-any-return]

    assert ops() == ["aten::mm", "aten::relu", "aten::add_", "aten::item"]  # by device time, largest first
    view.get_by_role("button", name="CPU self").click()
    assert ops()[0] == "aten::item"
    assert view.locator("th[data-key='self_s']").get_attribute("aria-sort") == "descending"
    assert view.locator("svg.pnb-chart").count() == 2  # utilization and device memory over time
    shot(views_notebook.page, "panel-gpu")


def test_dark_theme_colours_the_panel_from_the_theme(views_notebook: Any) -> None:
    page = views_notebook.page
    panel = views_notebook.locator(".perfnb-panel").nth(2)
    panel.get_by_role("tab", name="Overview").click()
    light = panel.evaluate(COLOURS)
    try:
        page.evaluate("() => { window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'}); }")
        page.wait_for_function("document.body.dataset.jpThemeLight === 'false'")
        page.wait_for_timeout(300)  # the theme's stylesheet applied
        dark = panel.evaluate(COLOURS)
        shot(page, "panel-dark")
    finally:
        page.evaluate("() => { window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'}); }")
        page.wait_for_function("document.body.dataset.jpThemeLight === 'true'")
    assert light["light"] == "true" and dark["light"] == "false"
    for colours in (light, dark):
        # the panel's background and text are the theme's own
        assert colours["bg"] == colours["themeBg"] and colours["fg"] == colours["themeFg"]
        assert page.evaluate(CONTRAST, [colours["fg"], colours["bg"]]) >= 7
        assert page.evaluate(CONTRAST, [colours["muted"], colours["bg"]]) >= 3
    assert dark["bg"] != light["bg"] and dark["fg"] != light["fg"]
    assert page.evaluate(CONTRAST, ["rgb(0, 0, 0)", dark["bg"]]) < 2  # a dark background indeed

"""What a user sees in the Performance sidebar: profiled cells listed in notebook order with
their times, a click jumps to the cell's hottest line, re-runs make a history that survives a
reload (without the kernel that made it), the saved outputs show the panel, export writes one
HTML report, and the always-on toggle profiles every cell."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import Lab, shot

pytestmark = pytest.mark.browser

TIME = re.compile(r"^\d+(\.\d+)? (µs|ms|s)$")
APP = "window.jupyterapp"
NB = f"{APP}.shell.currentWidget"


def open_notebook(page: Any, url: str) -> None:
    page.goto(url + "?reset")  # a fresh workspace: only this notebook is open
    page.wait_for_function(f"{APP} && {NB} && {NB}.sessionContext")
    page.wait_for_function(f"{NB}.sessionContext.session?.kernel?.status === 'idle'", timeout=60_000)
    page.evaluate(f"{APP}.commands.execute('perfnb:open-sidebar')")
    page.locator("#perfnb-sidebar").wait_for(state="visible")


def run_all(page: Any) -> None:
    page.evaluate(f"{APP}.commands.execute('notebook:run-all-cells')")


def run_cell(page: Any, index: int) -> None:
    page.evaluate(f"{NB}.content.activeCellIndex = {index}")
    page.evaluate(f"{APP}.commands.execute('notebook:run-cell')")


def wait_idle(page: Any) -> None:
    page.wait_for_function(f"{NB}.sessionContext.session?.kernel?.status === 'idle'", timeout=120_000)


def entries(page: Any) -> Any:
    return page.locator("#perfnb-sidebar .perfnb-cell")


def wait_entries(page: Any, count: int) -> None:
    page.wait_for_function(f"document.querySelectorAll('#perfnb-sidebar .perfnb-cell').length === {count}", timeout=120_000)


def outputs(page: Any) -> Any:
    """The profile outputs of the notebook in front."""
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output.perfnb-mime")


def selected_line(page: Any) -> dict[str, Any]:
    """The active cell's index and the text of the line selected in its editor."""
    return page.evaluate(
        f"""() => {{
          const nb = {NB}.content;
          const editor = nb.activeCell.editor;
          const sel = editor.getSelection();
          return {{ index: nb.activeCellIndex, line: sel.start.line, text: editor.getLine(sel.start.line),
                   whole: sel.start.column === 0 && sel.end.line === sel.start.line && sel.end.column === editor.getLine(sel.start.line).length }};
        }}"""
    )


CELLS = [
    "%load_ext perfnb",
    "def squares(n):\n    total = 0\n    for i in range(n):\n        total += i * i\n    return total",
    "%%perf\nsquares(300_000)",
    "x = 1  # not profiled",
    "%%perf\nimport time\nsetup = sorted(range(1000))\ntime.sleep(0.25)\nsquares(1000)",
]


def test_cells_listed_in_order_jump_history_reload_export(lab: Lab, page: Any) -> None:
    url = lab.notebook("side/work.ipynb", CELLS)
    open_notebook(page, url)
    notebook_id = page.evaluate(f"{NB}.id")
    run_all(page)
    wait_entries(page, 2)
    wait_idle(page)

    items = entries(page)
    assert [items.nth(i).get_attribute("data-index") for i in range(2)] == ["2", "4"]
    assert [items.nth(i).locator(".perfnb-cell-label").inner_text() for i in range(2)] == ["In [3]", "In [5]"]
    times = [items.nth(i).locator(".perfnb-cell-time").inner_text() for i in range(2)]
    assert all(TIME.match(t) for t in times), times
    assert times[1].endswith(" ms") and float(times[1].split()[0]) >= 250, times  # the sleep
    assert "time.sleep(0.25)" not in items.nth(0).inner_text()
    total = page.locator("#perfnb-sidebar .perfnb-total").inner_text()
    assert total.startswith("2 profiled cells")
    # the notebook-wide hottest lines: squares' loop (In [2]) and the sleep are there
    hot = page.locator("#perfnb-sidebar .perfnb-hot-line")
    hot_text = hot.all_inner_texts()
    assert any("time.sleep(0.25)" in t and "In [5] line 4" in t for t in hot_text), hot_text
    shot(page, "sidebar-listed")

    # click the sleep cell: the notebook jumps to it and selects its hottest line
    page.evaluate(f"{NB}.content.activeCellIndex = 0")
    items.nth(1).locator(".perfnb-cell-jump").click()
    page.wait_for_function(f"{NB}.content.activeCellIndex === 4")
    sel = selected_line(page)
    assert sel["index"] == 4 and sel["text"] == "time.sleep(0.25)" and sel["whole"], sel
    shot(page, "sidebar-jump-cell")

    # a hot line from an earlier cell's function jumps to that cell
    page.locator("#perfnb-sidebar .perfnb-hot-line", has_text="In [2] line").first.click()
    page.wait_for_function(f"{NB}.content.activeCellIndex === 1")
    assert selected_line(page)["text"].strip().startswith(("for i in range", "total += i * i")), selected_line(page)

    # re-run the sleep cell: a second run in its history, and the two runs compared
    run_cell(page, 4)
    page.wait_for_function("document.querySelector('#perfnb-sidebar .perfnb-cell[data-index=\"4\"] .perfnb-more')?.textContent === 'Runs (2)'", timeout=120_000)
    wait_idle(page)
    entry = page.locator('#perfnb-sidebar .perfnb-cell[data-index="4"]')
    assert entry.locator(".perfnb-cell-label").inner_text() == "In [6]"
    entry.locator(".perfnb-more").click()
    table = entry.locator(".perfnb-compare-table")
    assert table.locator(".perfnb-compare-total").inner_text().startswith("wall")
    assert "time.sleep(0.25)" in table.inner_text()
    shot(page, "sidebar-compare")

    # details: the cell's profile in the shared interactive panel, in a tab of its own
    entry.locator(".perfnb-details").click()
    details = page.locator(".jp-MainAreaWidget .perfnb-profile .perfnb-panel")
    details.wait_for(state="visible")
    assert "In [6]" in details.locator(".pnb-tabs").inner_text()
    page.evaluate(f"{APP}.shell.activateById('{notebook_id}')")
    page.wait_for_function(f"{NB}.id === '{notebook_id}'")

    # export: one HTML report next to the notebook
    page.locator("#perfnb-sidebar .perfnb-export").click()
    page.wait_for_function("document.querySelector('#perfnb-sidebar .perfnb-status').textContent.startsWith('Report written')")
    report = (lab.root / "side" / "work.perfnb.html").read_text()
    assert "perfnb report — work" in report and "In [3]" in report and "In [6]" in report
    assert "<script" not in report

    # save, shut the kernel down, reload: everything is read back from the saved notebook
    page.evaluate(f"{APP}.commands.execute('docmanager:save')")
    page.wait_for_function(f"!{NB}.context.model.dirty")
    page.evaluate(f"{NB}.sessionContext.shutdown()")
    page.wait_for_function(f"!{NB}.sessionContext.session")
    page.reload()
    page.wait_for_function(f"{APP} && {NB} && {NB}.content.model")
    page.evaluate(f"{APP}.commands.execute('perfnb:open-sidebar')")
    wait_entries(page, 2)
    items = entries(page)
    assert [items.nth(i).locator(".perfnb-cell-label").inner_text() for i in range(2)] == ["In [3]", "In [6]"]
    assert items.nth(1).locator(".perfnb-more").inner_text() == "Runs (2)"
    # the saved outputs show the interactive panel (no widget state is saved)
    panel = outputs(page).first.locator(".perfnb-panel")
    panel.wait_for(state="visible", timeout=60_000)
    assert "wall" in panel.inner_text()
    shot(page, "sidebar-after-reload")


def test_always_on_toggle_profiles_every_cell(lab: Lab, page: Any) -> None:
    url = lab.notebook("side/always.ipynb", ["a = sum(range(100))", "b = sorted(range(300_000), key=lambda v: -v)[0]", "c = 3"])
    open_notebook(page, url)
    toggle = page.locator("#perfnb-sidebar .perfnb-toggle")
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    page.wait_for_function("document.querySelector('#perfnb-sidebar .perfnb-toggle').getAttribute('aria-pressed') === 'true'", timeout=60_000)
    run_all(page)
    wait_entries(page, 3)
    wait_idle(page)
    labels = [entries(page).nth(i).locator(".perfnb-cell-label").inner_text() for i in range(3)]
    assert labels == ["In [1]", "In [2]", "In [3]"], labels  # the toggle's %perf on took no execution count
    # always-on outputs are folded to one line; unfolding shows the panel
    folded = outputs(page).locator(".perfnb-folded")
    assert folded.count() == 3
    shot(page, "always-on-folded")
    folded.nth(1).locator("button").click()
    unfolded = outputs(page).nth(1)
    unfolded.locator(".perfnb-panel").wait_for(state="attached")
    unfolded.scroll_into_view_if_needed()
    assert unfolded.locator(".perfnb-panel").is_visible()
    assert unfolded.locator(".perfnb-folded").count() == 0

    toggle.click()
    page.wait_for_function("document.querySelector('#perfnb-sidebar .perfnb-toggle').getAttribute('aria-pressed') === 'false'", timeout=60_000)
    run_cell(page, 2)
    wait_entries(page, 2)  # c = 3 ran unprofiled: its profile is gone from its outputs
    shot(page, "always-on-off")

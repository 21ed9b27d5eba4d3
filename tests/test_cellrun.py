"""%%perf -n / --warmup in a real kernel: a long series shows its progress apart from what the
cell prints, and --lines counts every run of the cell's own lines."""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

import pytest

from perfnb.cellrun import RunProgress

from .kernel import execute_messages, profile_outputs, stream

RUNS = 4
WARMUP = 1
SLOW = f"%%perf -n {RUNS} --warmup {WARMUP} -q\nprint('tick')\ntime.sleep(0.3)"
LINES = "%%perf -n 3 --lines\ntotal = 0\nfor i in range(5):\n    total += i\nprint('sum', total)"


def _progress_id(message: dict[str, Any]) -> str | None:
    transient = message["content"].get("transient") or {}
    return transient.get("display_id") if message["msg_type"] in ("display_data", "update_display_data") else None


@pytest.fixture(scope="module")
def cells() -> tuple[list[list[dict[str, Any]]], list[list[dict[str, Any]]]]:
    return execute_messages(["%load_ext perfnb\nimport time", SLOW, LINES])


def test_a_long_series_shows_its_progress_in_place_and_takes_it_away(cells: Any) -> None:
    outputs, messages = cells
    shown = [m for m in messages[1] if _progress_id(m)]
    assert shown, "no progress display"
    assert shown[0]["msg_type"] == "display_data" and {_progress_id(m) for m in shown} == {_progress_id(shown[0])}
    texts = [m["content"]["data"].get("text/plain", "") for m in shown[:-1]]
    assert all(t.startswith("perfnb: ") for t in texts) and any(f"run 2/{RUNS}" in t or f"run 3/{RUNS}" in t for t in texts)
    assert "<progress" in shown[0]["content"]["data"]["text/html"]
    assert shown[-1]["msg_type"] == "update_display_data" and shown[-1]["content"]["data"] == {}  # taken away
    # What the cell prints is the same as without the magic: five runs, five lines, nothing else.
    assert stream(outputs[1]) == "tick\n" * (RUNS + WARMUP) and stream(outputs[1], "stderr") == ""
    assert all(m["content"].get("name") != "stdout" or "perfnb" not in m["content"]["text"] for m in messages[1])


def test_repeated_runs_with_lines_count_every_run_of_the_cell_lines(cells: Any) -> None:
    outputs, messages = cells
    (profile,) = profile_outputs(outputs[2])
    count = profile["cell"]["execution_count"]
    hits = {line["line"]: line["hits"] for line in profile["lines"] if line["origin"] == "cell" and line["cell"] == count}
    assert hits[2] == 3 and hits[4] == 5 * 3 and hits[5] == 3  # N × the hits of one run
    assert not any("not the cell's own lines" in e for e in profile["meta"]["errors"])
    assert stream(outputs[2]) == "sum 10\n" * 3
    assert not any(_progress_id(m) for m in messages[2])  # a quick series shows no progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_in_a_terminal_the_progress_is_one_line_on_stderr_erased_at_the_end(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RunProgress, "SHOW_AFTER_S", 0.0)
    monkeypatch.setattr(RunProgress, "UPDATE_EVERY_S", 0.0)
    terminal = _Terminal()
    progress = RunProgress(SimpleNamespace(), warmup=1, repeat=3, stream=terminal)  # type: ignore[arg-type]
    for _ in range(4):
        progress.advance()
    progress.close()
    drawn = terminal.getvalue().split("\r\x1b[2K")
    assert [d.split(",")[0] for d in drawn[1:-1]] == ["perfnb: run 1/3", "perfnb: run 2/3", "perfnb: run 3/3"]
    assert drawn[-1] == "" and "\n" not in terminal.getvalue()

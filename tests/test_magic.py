"""%%perf and %perf in an in-process IPython shell: the cell behaves exactly as without them."""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

import pytest

from perfnb.engines.sampler import running_watchers
from perfnb.model import MIME_TYPE, Profile

from .conftest import LOAD_EXT, modules_imported, profiles, run, validate

SLOW = """def slow(n):
    s = 0
    for i in range(n):
        s += i * i
    return s
"""


def assert_clean() -> None:
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert sys.gettrace() is None and sys.getprofile() is None
    assert not any(t.name.startswith("perfnb") for t in threading.enumerate())
    assert running_watchers(wait_s=1.0) == 0


def test_a_profiled_cell_shows_one_bundle_with_json_html_and_text(ip: Any, schema: dict[str, Any]) -> None:
    run(ip, SLOW)
    result = run(ip, "%%perf\nx = slow(300000)\nx + 1\n")
    assert result.success
    assert result.result == ip.user_ns["x"] + 1
    bundles = [d for d in ip.captured if MIME_TYPE in d]
    assert len(bundles) == 1
    bundle = bundles[0]
    assert set(bundle) >= {MIME_TYPE, "text/html", "text/plain"}
    validate(bundle[MIME_TYPE], schema)
    assert "slow" in bundle["text/plain"]
    assert_clean()


def test_lines_use_editor_numbers_and_earlier_cells_are_named_in_n(ip: Any) -> None:
    defined = run(ip, SLOW).execution_count
    result = run(ip, "%%perf -o p -q\n\ny = slow(400000)\n")
    profile: Profile = ip.user_ns["p"]
    assert profile.cell.execution_count == result.execution_count
    cell_line = next(s for s in profile.lines if s.cell == result.execution_count and s.time_s > 0.01)
    assert (cell_line.line, cell_line.code, cell_line.file) == (3, "y = slow(400000)", f"In [{result.execution_count}]")
    loop = max((s for s in profile.lines if s.function == "slow"), key=lambda s: s.time_s)
    assert loop.origin == "cell" and loop.cell == defined and loop.file == f"In [{defined}]"
    assert loop.line == 4 and loop.code == "s += i * i"
    assert not any("ipykernel" in s.file or (s.file.endswith(".py") and s.origin == "cell") for s in profile.lines)
    assert ip.captured == []


def test_magics_shell_lines_and_display_calls_inside_the_cell_work(ip: Any) -> None:
    source = "%%perf -q\nfrom IPython.display import display\n%env PERFNB_TEST_VAR=42\nout = !echo hi\ndisplay('shown')\n"
    result = run(ip, source)
    assert result.success
    assert list(ip.user_ns["out"]) == ["hi"]
    import os

    assert os.environ["PERFNB_TEST_VAR"] == "42"
    assert any(d.get("text/plain") == "'shown'" for d in ip.captured)


def test_the_displayed_result_sets_underscore_and_out(ip: Any) -> None:
    # IPython stops updating `_` once a cell assigned `_`, `__` or `___` itself (`for _ in ...` in
    # another test of this shared shell): clear them, and hold the profiled cell to what a plain
    # cell does here.
    for name in ("_", "__", "___"):
        ip.user_ns.pop(name, None)
    run(ip, "41\n")
    plain_sets_underscore = ip.user_ns.get("_") == 41
    result = run(ip, "%%perf -q\n6 * 7\n")
    assert result.result == 42
    assert (ip.user_ns.get("_") == 42) == plain_sets_underscore
    assert ip.user_ns["Out"][result.execution_count] == 42


def test_top_level_await_runs(ip: Any) -> None:
    result = run(ip, "%%perf -q\nimport asyncio\nawait asyncio.sleep(0.01)\nawaited = 5\n")
    assert result.success, result.error_in_exec
    assert ip.user_ns["awaited"] == 5


def test_an_exception_surfaces_unchanged_and_a_partial_profile_is_shown(ip: Any) -> None:
    result = run(ip, "%%perf\nz = 1\nraise KeyError('boom')\n")
    assert isinstance(result.error_in_exec, KeyError)
    assert result.error_in_exec.args == ("boom",)
    frames = []
    tb = result.error_in_exec.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame.f_code.co_filename)
        tb = tb.tb_next
    assert not any("perfnb" in f for f in frames)
    assert any(ip.compile._filename_map.get(f) == result.execution_count for f in frames)
    assert ip.user_ns["z"] == 1
    assert len(profiles(ip)) == 1
    assert_clean()


@pytest.mark.parametrize("error", ["KeyboardInterrupt", "SystemExit(3)"])
def test_interrupts_and_exits_leave_nothing_behind(ip: Any, error: str) -> None:
    result = run(ip, f"%%perf -q\nraise {error}\n")
    assert not result.success
    assert_clean()


def test_repeats_report_a_latency_distribution(ip: Any, schema: dict[str, Any]) -> None:
    run(ip, "counter = []\n")
    result = run(ip, "%%perf -n 12 --warmup 2 -o p\ncounter.append(1)\nsum(range(20000))\n")
    assert result.result == sum(range(20000))
    assert len(ip.user_ns["counter"]) == 14
    profile: Profile = ip.user_ns["p"]
    timing = profile.timing
    assert len(timing.runs_s) == 12 and timing.warmup == 2
    assert timing.min_s <= timing.p50_s <= timing.p95_s <= timing.p99_s <= timing.max_s
    assert timing.p50_ci_s is not None
    validate(profile.to_dict(), schema)
    assert "p99" in ip.captured[0]["text/plain"]
    assert_clean()


def test_an_exception_in_a_repeated_cell_keeps_its_type_and_message(ip: Any) -> None:
    result = run(ip, "%%perf -n 3 -q\nraise ValueError('repeat boom')\n")
    assert isinstance(result.error_in_exec, ValueError)
    assert str(result.error_in_exec) == "repeat boom"
    error = result.error_in_exec
    shown = "\n".join(ip.InteractiveTB.structured_traceback(type(error), error, error.__traceback__))
    assert "perfnb/" not in shown and "repeat boom" in shown
    assert_clean()


def test_the_line_magic_profiles_one_statement(ip: Any) -> None:
    run(ip, SLOW)
    result = run(ip, "%perf -o lp -q total = slow(200000)")
    assert result.success
    assert ip.user_ns["total"] == sum(i * i for i in range(200000))
    assert ip.user_ns["lp"].timing.wall_s > 0
    assert run(ip, "%perf 3 + 4").result == 7


def test_bad_arguments_give_the_usage_message_and_do_not_run_the_cell(ip: Any) -> None:
    run(ip, "ran = False\n")
    result = run(ip, "%%perf --no-such-flag\nran = True\n")
    assert not result.success
    assert type(result.error_in_exec).__name__ == "UsageError"
    assert ip.user_ns["ran"] is False
    assert run(ip, "%%perf -n 0\nran = True\n").success is False


def test_a_nested_profile_is_refused_with_a_clear_message(ip: Any, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(ip, "%%perf -q\ninner = get_ipython().run_line_magic('perf', '-q 1 + 1')\n")
    assert result.success
    assert ip.user_ns["inner"] == 2
    assert "already running" in capsys.readouterr().err


def test_help_explains_the_options(ip: Any) -> None:
    doc = ip.find_cell_magic("perf").__doc__
    assert "--repeat" in doc and "--warmup" in doc and "Examples" in doc


def test_markup_in_user_code_is_escaped_in_the_html(ip: Any) -> None:
    run(ip, "def evil_fn_x():\n    return sum(range(300000))  # <script>alert(1)</script>\n")
    run(ip, "%%perf -i 0.2\nfor _ in range(20): evil_fn_x()\n")
    html = ip.captured[-1]["text/html"]
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_load_ext_imports_nothing_heavy() -> None:
    heavy = ("torch", "matplotlib", "pandas", "scalene", "numpy", "line_profiler", "memory_profiler")
    assert modules_imported(LOAD_EXT, heavy) == []


def test_when_perfnb_itself_fails_the_cell_still_runs_and_a_line_says_so(
    ip: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from perfnb.recorder import Recording

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("simulated perfnb fault")

    monkeypatch.setattr(Recording, "stop", broken)
    result = run(ip, "%%perf\neffect = 'kept'\n21 * 2\n")
    assert result.success and result.result == 42
    assert ip.user_ns["effect"] == "kept"
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("perfnb:") and "simulated perfnb fault" in err[0]
    monkeypatch.undo()
    assert_clean()
    assert run(ip, "%%perf -q\n1 + 1\n").success  # and the next profiled cell works


def test_a_cell_with_leading_blank_lines_names_the_right_source(ip: Any) -> None:
    run(ip, SLOW)
    run(ip, "\n\n%%perf -q -o p\nvalue = slow(300000)\n")
    profile: Profile = ip.user_ns["p"]
    hot = max((s for s in profile.lines if s.origin == "cell" and s.function == ""), key=lambda s: s.time_s)
    assert hot.code == "value = slow(300000)"


def test_native_time_at_the_end_of_a_cell_is_charged_to_its_line(ip: Any) -> None:
    # The cell's code returns right after the product, with no point where Python runs a
    # pending signal handler: the tick that fired during the product runs in IPython's code,
    # outside the cell. The native watcher has seen the product's line; it gets the time.
    run(ip, "import numpy as np\na = np.random.default_rng(0).random((1500, 1500))")
    missed = 0
    for _ in range(3):
        run(ip, "%%perf -q -o p -i 40\nb = a @ a")
        profile: Profile = ip.user_ns["p"]
        lines = [s for s in profile.lines if s.code == "b = a @ a"]
        if not lines or lines[0].time_s < 0.5 * profile.timing.wall_s:
            missed += 1
    assert missed == 0, f"the product's line lost its time in {missed} of 3 runs"

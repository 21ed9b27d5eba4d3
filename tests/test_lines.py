"""%%perf --lines (line_profiler), in an in-process IPython."""

from __future__ import annotations

import sys
from typing import Any

from .conftest import profiles, run, validate


def by_place(profile: dict[str, Any]) -> dict[tuple[int | None, int], dict[str, Any]]:
    return {(line["cell"], line["line"]): line for line in profile["lines"] if line["origin"] == "cell"}


def test_hits_are_exact_for_the_cell_and_notebook_functions(ip: Any, schema: dict[str, Any]) -> None:
    run(ip, "def square_sum(n):\n    total = 0\n    for i in range(n):\n        total += i * i\n    return total")
    defined_in = ip.execution_count - 1
    result = run(ip, "%%perf --lines\nvalues = []\nfor k in range(1000):\n    values.append(k)\nout = square_sum(500)\nout")
    assert result.success and result.result == sum(i * i for i in range(500))
    (profile,) = profiles(ip)
    validate(profile, schema)
    lines = by_place(profile)
    count = profile["cell"]["execution_count"]
    assert lines[(count, 4)]["hits"] == 1000 and lines[(count, 4)]["code"] == "values.append(k)"
    assert lines[(count, 2)]["hits"] == 1
    assert lines[(defined_in, 4)]["hits"] == 500 and lines[(defined_in, 4)]["code"] == "total += i * i"
    assert lines[(defined_in, 4)]["function"] == "square_sum"
    assert all(lines[key]["line_time_s"] > 0 for key in [(count, 4), (defined_in, 4)])
    # The cell line that calls the function includes the function's time.
    assert lines[(count, 5)]["line_time_s"] >= lines[(defined_in, 4)]["line_time_s"]
    assert "Exact line timings" in ip.captured[-1]["text/plain"]
    assert "lines" in profile["meta"]["engines"]


def test_functions_and_classes_defined_in_the_cell_are_timed(ip: Any) -> None:
    source = (
        "%%perf --lines\n"
        "class Box:\n"
        "    def fill(self, n):\n"
        "        return [i for i in range(n)]\n"
        "def twice(x):\n"
        "    return 2 * x\n"
        "b = Box().fill(10)\n"
        "t = [twice(i) for i in range(7)]"
    )
    run(ip, source)
    (profile,) = profiles(ip)
    lines = by_place(profile)
    count = profile["cell"]["execution_count"]
    assert lines[(count, 6)]["hits"] == 7  # return 2 * x
    assert lines[(count, 4)]["hits"] >= 1
    # The functions the cell defined keep their own code objects afterwards.
    twice = ip.user_ns["twice"]
    from line_profiler._line_profiler import NOP_BYTES

    assert twice(4) == 8 and not twice.__code__.co_code.endswith(NOP_BYTES)
    assert not ip.user_ns["Box"].fill.__code__.co_code.endswith(NOP_BYTES)
    assert ip.user_ns["b"] == list(range(10)) and ip.user_ns["t"] == [0, 2, 4, 6, 8, 10, 12]


def test_module_functions_with_f_and_bad_names(ip: Any, capsys: Any) -> None:
    import json

    original = json.dumps.__code__
    run(ip, "import json")
    result = run(
        ip,
        "%%perf --lines -f json.dumps -f json.nosuch -f nosuchmodule.thing -f json.JSONEncoder -f len\n"
        "for _ in range(3):\n    s = json.dumps({'a': 1})",
    )
    assert result.success and ip.user_ns["s"] == '{"a": 1}'
    err = capsys.readouterr().err
    assert "-f json.nosuch: json has no attribute 'nosuch'" in err
    assert "-f nosuchmodule.thing: no notebook name or module 'nosuchmodule'" in err
    assert "-f json.JSONEncoder: is a type, not a Python function" in err
    assert "-f len: is a built-in, not a Python function" in err
    (profile,) = profiles(ip)
    (encode,) = [line for line in profile["lines"] if line["code"] == "return _default_encoder.encode(obj)"]
    assert encode["hits"] == 3 and encode["function"] == "dumps"
    assert json.dumps.__code__ is original


def test_lines_leave_nothing_behind(ip: Any) -> None:
    run(ip, "def f():\n    return 1")
    code = ip.user_ns["f"].__code__
    run(ip, "%%perf --lines\nf()\n1/0")
    assert profiles(ip)  # a profile even though the cell raised
    assert ip.user_ns["f"].__code__ is code
    assert sys.gettrace() is None and sys.getprofile() is None
    assert "run_code" not in vars(ip)
    from line_profiler import _line_profiler

    assert not any(manager.active_instances for manager in _line_profiler.LineProfiler._managers.values())


def test_memory_and_lines_compose(ip: Any, schema: dict[str, Any]) -> None:
    import tracemalloc

    run(ip, "def grow(n):\n    return [[i] for i in range(n)]")
    run(ip, "%%perf --memory --lines\nimport gc\nrows = grow(3000)\ngc.collect()")
    (profile,) = profiles(ip)
    validate(profile, schema)
    count = profile["cell"]["execution_count"]
    line = by_place(profile)[(count, 3)]
    assert line["hits"] == 1 and line["retained_bytes"] > 3000 * 56
    assert {"sampler", "memory", "lines"} <= set(profile["meta"]["engines"])
    assert sum(profile["gc"]["collections"]) >= 1
    assert not tracemalloc.is_tracing() and sys.gettrace() is None


def test_percent_perf_line_magic_takes_memory_without_eating_the_statement(ip: Any) -> None:
    run(ip, "%perf --memory -q -o lm kept = bytearray(2_000_000)")
    assert len(ip.user_ns["kept"]) == 2_000_000
    assert ip.user_ns["lm"].memory.traced_peak_bytes >= 2_000_000


def test_the_html_sections_show_user_text_as_text(ip: Any) -> None:
    run(ip, "%%perf --lines --memory\ntag = '<b>' + 'x' * 1000 + '</b>'\nfor _ in range(3):\n    junk = [tag] * 10")
    html = ip.captured[-1]["text/html"]
    assert "Exact line timings" in html and "Memory by line" in html
    assert "junk = [tag] * 10" in html and "&#x27;&lt;b&gt;&#x27;" in html and "'<b>'" not in html


def test_repeated_runs_time_the_functions_and_the_cell_lines(ip: Any) -> None:
    run(ip, "def one():\n    return 1")
    defined_in = ip.execution_count - 1
    run(ip, "%%perf -n 2 --lines\nfor _ in range(10):\n    one()")
    (profile,) = profiles(ip)
    count = profile["cell"]["execution_count"]
    lines = by_place(profile)
    assert lines[(defined_in, 2)]["hits"] == 20
    assert lines[(count, 3)]["hits"] == 20 and lines[(count, 3)]["code"].strip() == "one()"
    assert not any("not the cell's own lines" in e for e in profile["meta"]["errors"])


def test_a_debugger_keeps_its_lines_and_line_profiler_its_settings(ip: Any) -> None:
    from line_profiler import LineProfiler

    seen: list[int] = []

    def local(frame: Any, event: str, arg: Any) -> Any:
        if event == "line":
            seen.append(frame.f_lineno)
        return local

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_name == "stepped" else None

    run(ip, "def stepped(n):\n    for _ in range(n):\n        pass")
    before = (LineProfiler().wrap_trace, LineProfiler().set_frame_local_trace)
    sys.settrace(tracer)
    try:
        run(ip, "%%perf --lines\nstepped(5)")
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(None)
    assert len(seen) == 11  # the debugger saw every line: 6 loop heads and 5 bodies
    (profile,) = profiles(ip)
    assert max(line["hits"] or 0 for line in profile["lines"] if line["code"] == "pass") == 5
    assert (LineProfiler().wrap_trace, LineProfiler().set_frame_local_trace) == before

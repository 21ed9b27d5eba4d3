"""perfnb coexists with a debugger's trace function, coverage.py and a running cProfile:
profiling a cell under them leaves the other tool running, with results intact."""

from __future__ import annotations

import cProfile
import pstats
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from .conftest import profiles, run

MODULE = '''
def target(n):
    total = 0
    for i in range(n):
        total += i % 3
    return total
'''
HEADERS = ["%%perf -q -o coexist_prof", "%%perf -q -o coexist_prof --memory", "%%perf -q -o coexist_prof --lines"]


@pytest.fixture
def target_module(ip: Any, tmp_path: Path) -> Path:
    path = tmp_path / "coexist_target.py"
    path.write_text(MODULE)
    namespace: dict[str, Any] = {}
    exec(compile(MODULE, str(path), "exec"), namespace)
    ip.user_ns["target"] = namespace["target"]
    return path


def _available(ip: Any, header: str) -> bool:
    from IPython.core.error import UsageError

    from perfnb import options

    try:
        options.parse(header.split(None, 1)[1])
    except UsageError:
        return False
    return True


class Tracer:
    """A debugger-like trace function (as pdb/bdb install): records the lines of ``target``."""

    def __init__(self) -> None:
        self.lines: list[int] = []

    def __call__(self, frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_name != "target":
            return None
        return self.local

    def local(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            self.lines.append(frame.f_lineno)
        return self.local


def _run_traced(ip: Any, cell: str) -> Tracer:
    tracer = Tracer()
    sys.settrace(tracer)
    try:
        run(ip, cell)
        still = sys.gettrace()
    finally:
        sys.settrace(None)
    assert still is tracer, "the debugger's trace function is still installed"
    return tracer


@pytest.mark.parametrize("header", HEADERS)
def test_a_debugger_trace_function_keeps_working(ip: Any, target_module: Path, header: str) -> None:
    if not _available(ip, header):
        pytest.skip(f"{header} not available")
    plain = _run_traced(ip, "#\ncoexist_out = target(2000)")
    profiled = _run_traced(ip, f"{header}\ncoexist_out = target(2000)")
    assert profiled.lines == plain.lines and len(plain.lines) > 4000
    assert ip.user_ns["coexist_out"] == sum(i % 3 for i in range(2000))
    assert ip.user_ns["coexist_prof"] is not None


def _covered(ip: Any, cell: str, path: Path) -> set[int]:
    coverage = pytest.importorskip("coverage")
    cov = coverage.Coverage(data_file=None, include=[str(path)])
    cov.start()
    try:
        run(ip, cell)
    finally:
        cov.stop()
    return set(cov.get_data().lines(str(path)) or [])


@pytest.mark.parametrize("header", HEADERS)
def test_coverage_keeps_measuring(ip: Any, target_module: Path, header: str) -> None:
    if not _available(ip, header):
        pytest.skip(f"{header} not available")
    plain = _covered(ip, "#\ntarget(500)", target_module)
    profiled = _covered(ip, f"{header}\ntarget(500)", target_module)
    assert plain == {3, 4, 5, 6}
    assert profiled == plain
    assert ip.user_ns["coexist_prof"] is not None


@pytest.mark.parametrize("header", HEADERS)
def test_a_running_cprofile_keeps_its_results(ip: Any, target_module: Path, header: str) -> None:
    if not _available(ip, header):
        pytest.skip(f"{header} not available")
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        run(ip, f"{header}\nfor _ in range(7):\n    target(3000)")
        still = sys.getprofile()
    finally:
        profiler.disable()
    assert still is not None, "cProfile is still enabled after the profiled cell"
    stats = pstats.Stats(profiler)
    calls = {func[2]: value[1] for func, value in stats.stats.items()}  # type: ignore[attr-defined]
    assert calls.get("target") == 7
    assert ip.user_ns["coexist_prof"] is not None and not profiles(ip)  # -q: nothing displayed

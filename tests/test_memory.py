"""%%perf --memory (tracemalloc) and --memory=rss (RSS per line), in an in-process IPython."""

from __future__ import annotations

import sys
import tracemalloc
from typing import Any

import pytest

from perfnb.engines.sampler import running_watchers

from .conftest import profiles, run, validate

MB = 1_000_000
ARRAY = 40 * MB  # np.ones(5_000_000) of float64


def cell_lines(profile: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {line["code"]: line for line in profile["lines"] if line["origin"] == "cell"}


def test_a_line_that_creates_an_array_is_charged_its_size(ip: Any, schema: dict[str, Any]) -> None:
    run(ip, "import numpy as np, time")
    result = run(ip, "%%perf --memory\nkept = np.ones(5_000_000)\ntmp = np.ones(5_000_000)\ntime.sleep(0.2)\ndel tmp")
    assert result.success
    (profile,) = profiles(ip)
    validate(profile, schema)
    lines = cell_lines(profile)
    kept, tmp = lines["kept = np.ones(5_000_000)"], lines["tmp = np.ones(5_000_000)"]
    assert ARRAY <= kept["alloc_bytes"] < ARRAY + MB and kept["retained_bytes"] >= ARRAY
    assert kept["alloc_count"] >= 1 and kept["peak_bytes"] >= ARRAY
    # The temporary was held (and counted at the peak) but is gone at the end.
    assert ARRAY <= tmp["alloc_bytes"] < ARRAY + MB and tmp["retained_bytes"] < MB
    memory = profile["memory"]
    assert memory["traced_peak_bytes"] >= 2 * ARRAY
    assert ARRAY <= memory["retained_bytes"] < ARRAY + MB
    assert len(memory["traced_timeline"]) >= 2 and max(b for _, b in memory["traced_timeline"]) >= ARRAY
    assert memory["rss_peak_bytes"] > 0  # the sampler's RSS figures stay beside the traced ones
    assert "memory" in profile["meta"]["engines"]
    assert not tracemalloc.is_tracing()
    text = ip.captured[-1]["text/plain"]
    assert "kept = np.ones(5_000_000)" in text and "40.0 MB" in text


def test_functions_from_earlier_cells_are_charged_with_the_calling_line(ip: Any) -> None:
    run(ip, "def build(n):\n    rows = [[i] * 10 for i in range(n)]\n    return rows")
    defined_in = ip.execution_count - 1
    run(ip, "%%perf --memory\nrows = build(20_000)\nsmall = 1")
    (profile,) = profiles(ip)
    by_place = {(line["cell"], line["line"]): line for line in profile["lines"] if line["origin"] == "cell"}
    inside = by_place[(defined_in, 2)]
    calling = by_place[(profile["cell"]["execution_count"], 2)]
    assert inside["code"] == "rows = [[i] * 10 for i in range(n)]"
    assert inside["retained_bytes"] > MB and calling["retained_bytes"] >= inside["retained_bytes"]
    # `small = 1` allocates nothing of its own; storing a new name may grow the namespace dict.
    small = by_place.get((profile["cell"]["execution_count"], 3))
    assert small is None or small["alloc_bytes"] < 64 * 1024, small


def test_a_tracemalloc_the_user_started_is_left_on(ip: Any) -> None:
    run(ip, "import tracemalloc\ntracemalloc.start(5)")
    try:
        run(ip, "%%perf --memory\nheld = bytearray(3_000_000)")
        (profile,) = profiles(ip)
        assert tracemalloc.is_tracing() and tracemalloc.get_traceback_limit() == 5
        assert any("tracemalloc was already on" in e for e in profile["meta"]["errors"])
        assert cell_lines(profile)["held = bytearray(3_000_000)"]["retained_bytes"] >= 3_000_000
    finally:
        tracemalloc.stop()


def test_memory_leaves_nothing_behind(ip: Any) -> None:
    import threading

    run(ip, "%%perf --memory\nx = [0] * 1000")
    assert not tracemalloc.is_tracing()
    assert not [t for t in threading.enumerate() if t.name.startswith("perfnb")]
    assert running_watchers(wait_s=1.0) == 0
    assert sys.gettrace() is None and sys.getprofile() is None


def test_gc_collections_appear_with_memory(ip: Any) -> None:
    run(ip, "%%perf --memory\nimport gc\nfor _ in range(3):\n    a = []; a.append(a)\n    gc.collect()")
    (profile,) = profiles(ip)
    assert sum(profile["gc"]["collections"]) >= 3 and profile["gc"]["time_s"] > 0


def test_memory_option_is_checked(ip: Any) -> None:
    result = run(ip, "%%perf --memory=bogus\ny = 1")
    assert not profiles(ip)
    assert result.error_in_exec is not None or result.error_before_exec is not None


def test_rss_per_line(ip: Any, schema: dict[str, Any]) -> None:
    pytest.importorskip("psutil")
    # A fresh mapping, not np.empty: a heap block may reuse pages a freed one left resident, and RSS need not rise.
    run(ip, "import mmap\nimport numpy as np\ndef grow(n):\n    block = np.frombuffer(mmap.mmap(-1, 8 * n))\n"
        "    block[:] = 2\n    return block")
    defined_in = ip.execution_count - 1
    result = run(ip, "%%perf --memory=rss\nbig = grow(5_000_000)\nz = 1")
    assert result.success
    (profile,) = profiles(ip)
    validate(profile, schema)
    by_place = {(line["cell"], line["line"]): line for line in profile["lines"] if line["origin"] == "cell"}
    count = profile["cell"]["execution_count"]
    assert by_place[(count, 2)]["alloc_bytes"] >= 0.8 * ARRAY  # RSS rose by about the array's size
    assert by_place[(defined_in, 5)]["alloc_bytes"] >= 0.8 * ARRAY  # the line that touched its pages
    assert abs(by_place[(defined_in, 4)]["alloc_bytes"]) < 0.2 * ARRAY  # mapped: no page touched yet
    assert by_place[(count, 2)]["hits"] == 1
    assert "rss" in profile["meta"]["engines"]
    assert sys.gettrace() is None


# -- in a real kernel: --memory and --lines together in one notebook run -----------------
KERNEL_CELLS = [
    "%load_ext perfnb",  # 0
    "import numpy as np\ndef make(n):\n    a = np.ones(n)\n    return a",  # 1
    "%%perf --memory\nx = make(2_000_000)\ny = x * 2",  # 2
    "%%perf --lines\ns = 0\nfor i in range(1000):\n    s += i\nt = make(10)",  # 3
    "%%perf --lines -f nosuch.fn\nz = 1\nprint('ran', z)",  # 4
    "import sys, threading, tracemalloc\nprint(tracemalloc.is_tracing(), sys.gettrace(), 'run_code' in vars(get_ipython()),"
    " [t.name for t in threading.enumerate() if 'perfnb' in t.name],"
    " __import__('perfnb.engines.sampler').engines.sampler.running_watchers(wait_s=1.0))",  # 5
]


@pytest.fixture(scope="module")
def notebook() -> list[list[dict[str, Any]]]:
    from .kernel import execute

    return execute(KERNEL_CELLS)


@pytest.mark.kernel
def test_kernel_memory_names_cell_lines_and_earlier_functions(notebook: list[Any], schema: dict[str, Any]) -> None:
    from .kernel import profile_outputs

    (profile,) = profile_outputs(notebook[2])
    validate(profile, schema)
    lines = {line["code"]: line for line in profile["lines"] if line["origin"] == "cell"}
    assert lines["x = make(2_000_000)"]["retained_bytes"] >= 16 * MB
    assert lines["y = x * 2"]["retained_bytes"] >= 16 * MB
    inside = lines["a = np.ones(n)"]
    assert inside["cell"] == profile["cell"]["execution_count"] - 1 and inside["alloc_bytes"] >= 16 * MB


@pytest.mark.kernel
def test_kernel_lines_hits_and_bad_target(notebook: list[Any]) -> None:
    from .kernel import profile_outputs, stream

    (profile,) = profile_outputs(notebook[3])
    lines = {line["code"]: line for line in profile["lines"] if line["origin"] == "cell"}
    assert lines["s += i"]["hits"] == 1000 and lines["a = np.ones(n)"]["hits"] == 1
    assert "ran 1" in stream(notebook[4])
    assert "perfnb: -f nosuch.fn: no notebook name or module 'nosuch'" in stream(notebook[4], "stderr")
    assert profile_outputs(notebook[4])
    assert stream(notebook[5]).strip() == "False None False [] 0"

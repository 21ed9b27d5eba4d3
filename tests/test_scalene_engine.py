"""%%perf --engine scalene in a real kernel: Scalene's profile of a copy of the cell, named as the
user sees the lines, while the cell itself runs in the kernel as always; and the one-line messages
for an unknown engine, a missing Scalene and options Scalene does not combine with."""

from __future__ import annotations

import pickle
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from perfnb.engines.scalene_engine import read_names, write_namespace

from .conftest import validate
from .kernel import execute, profile_outputs, stream

WORK = "import threading\ndef work(n):\n    s = 0\n    for i in range(n):\n        s += i % 7\n    return s\ndata = [1, 2]\nlock = threading.Lock()"
# About 0.45 s of pure Python, a third in this cell's loop and two thirds in work() from the cell
# above (Scalene samples every 10 ms of CPU, so each part gets dozens of samples even on a busy machine);
# the last line reads `lock`, which cannot be copied: the copy stops there, its profile stays.
PROFILED = (
    "%%perf --engine scalene\n"  # line 1
    "total = 0\n"  # 2
    "for i in range(300000):\n"  # 3
    "    total += i * i\n"  # 4
    "y = work(600000)\n"  # 5
    "data.append(y)\n"  # 6
    "print('ran', len(data))\n"  # 7
    "held = lock.locked()"  # 8
)


@pytest.fixture(scope="module")
def notebook() -> list[list[dict[str, Any]]]:
    return execute(
        [
            "%load_ext perfnb",  # In [1]
            WORK,  # In [2]
            PROFILED,  # In [3]
            "import sys\nprint(data[-1] == y, total, held, 'scalene' in sys.modules)",  # 3
            "%%perf --engine no-such-engine\nx = 1",  # 4
            "%%perf --engine scalene --memory\nz = 2",  # 5
            "sys.modules['scalene'] = None  # as if Scalene were not installed",  # 6
            "%%perf --engine scalene\nw = 3",  # 7
            "print(x, z, w)",  # 8
            "%%perf --engine sampler\nsum(range(10000))",  # 9: the default, named
        ]
    )


@pytest.mark.kernel
def test_scalene_profiles_the_cell_lines_the_user_sees(
    notebook: list[list[dict[str, Any]]], schema: dict[str, Any]
) -> None:
    outputs = notebook[2]
    [profile] = profile_outputs(outputs)
    validate(profile, schema)
    assert profile["meta"]["engines"] == ["scalene"]
    assert profile["cell"]["execution_count"] == 3
    cell_lines = {s["line"]: s for s in profile["lines"] if s["origin"] == "cell" and s["cell"] == 3}
    # Every line points at the cell line with that number (line 1 is the %%perf line).
    for number, stat in cell_lines.items():
        assert stat["file"] == "In [3]" and stat["code"] == PROFILED.splitlines()[number - 1].strip(), stat
    assert {3, 4} & set(cell_lines), profile["lines"]
    work_lines = [s for s in profile["lines"] if s["cell"] == 2]
    assert work_lines and all(s["function"] == "work" and s["file"] == "In [2]" for s in work_lines), work_lines
    for stat in work_lines:
        assert stat["code"] == WORK.splitlines()[stat["line"] - 1].strip()
    assert not [s for s in profile["lines"] if "perfnb" in s["file"] or "scalene" in s["file"]]
    # Time per line is a share of this cell's own run in the kernel.
    total_s = sum(s["time_s"] for s in profile["lines"])
    assert 0 < total_s <= profile["timing"]["wall_s"] * 1.001
    assert profile["tree"]["name"] == "In [3]"
    assert "work" in {child["name"] for child in profile["tree"]["children"]}
    # What the copy could not do is said, once each.
    errors = profile["meta"]["errors"]
    assert any("cannot be pickled" in e and "lock" in e for e in errors), errors
    assert any("stopped at line 8" in e and "NameError" in e for e in errors), errors


@pytest.mark.kernel
def test_the_cell_itself_runs_in_the_kernel_once(notebook: list[list[dict[str, Any]]]) -> None:
    assert stream(notebook[2]) == "ran 3\n", "the copy's output is not shown"
    assert stream(notebook[2], "stderr") == ""
    # The cell's effects stand in the kernel, and the kernel never imported Scalene.
    assert stream(notebook[3]) == f"True {sum(i * i for i in range(300000))} False False\n"


@pytest.mark.kernel
def test_engine_problems_are_one_line_and_the_cell_still_runs(notebook: list[list[dict[str, Any]]]) -> None:
    for index, message in (
        (4, "unknown engine 'no-such-engine' (engines: sampler, scalene)"),
        (5, "--engine scalene measures CPU time only and does not combine with --memory"),
        (7, "--engine scalene needs Scalene: pip install perfnb[scalene]"),
    ):
        assert stream(notebook[index], "stderr") == f"perfnb: {message}; running it unprofiled\n"
        assert not profile_outputs(notebook[index])
    assert stream(notebook[8]) == "1 2 3\n"
    [profile] = profile_outputs(notebook[9])
    assert "sampler" in profile["meta"]["engines"]


def test_the_copy_shares_one_namespace_with_earlier_cells_functions(tmp_path: Path) -> None:
    """Functions of earlier cells travel by value with the globals they use, in the namespace the
    copy runs in: the copy's own assignments are what they see, as in the kernel."""
    user_ns: dict[str, Any] = {"__name__": "__main__"}
    exec("def bump():\n    return base + 1\nbase = 1\nlock = None", user_ns)  # an earlier cell
    user_ns["lock"] = threading.Lock()
    cell = "base = 41\nresult = bump()\nheld = lock"
    assert read_names(cell) == {"bump", "lock"}
    path = tmp_path / "namespace.pkl"
    assert write_namespace(user_ns, read_names(cell), str(path)) == ["lock"]
    probe, values = pickle.loads(path.read_bytes())
    namespace = probe.__globals__
    namespace.update(values)
    exec("base = 41\nresult = bump()", namespace)
    assert namespace["result"] == 42
    assert user_ns["base"] == 1, "the kernel's namespace is untouched"


@pytest.mark.kernel
def test_an_interrupt_stops_the_copy_not_the_finished_cell() -> None:
    import psutil

    from .test_hygiene import Kernel, _text

    kernel = Kernel()
    try:
        kernel.run("%load_ext perfnb\nimport os\nKERNEL_PID = os.getpid()")
        # Quick in the kernel; the copy, in another process, sleeps until interrupted.
        msg_id = kernel.client.execute(
            "%%perf --engine scalene\nimport time\nif os.getpid() != KERNEL_PID:\n    time.sleep(300)\nprint('ran')"
        )
        kernel_process = psutil.Process(kernel.manager.provisioner.process.pid)
        deadline = time.monotonic() + 120
        while not (copies := [p for p in kernel_process.children() if "scalene" in " ".join(p.cmdline())]):
            assert time.monotonic() < deadline, "Scalene's process never started"
            time.sleep(0.2)
        time.sleep(1.0)
        kernel.manager.interrupt_kernel()
        reply, outputs = kernel._finish(msg_id, 60)
        assert reply["status"] == "ok" and "ran" in _text(outputs), "the cell had finished: it stands"
        [profile] = profile_outputs([o | {"output_type": o["msg_type"]} for o in outputs])
        assert any("interrupted while Scalene profiled the copy" in e for e in profile["meta"]["errors"])
        assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in copies)
        # Nothing is stuck: the next cell is profiled.
        reply, outputs = kernel.run("%%perf\nsum(range(10000))")
        assert reply["status"] == "ok"
        assert profile_outputs([o | {"output_type": o["msg_type"]} for o in outputs])
    finally:
        kernel.close()

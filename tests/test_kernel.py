"""%%perf in a real IPython kernel: outputs, results, errors and hygiene as a user sees them."""

from __future__ import annotations

import time
from typing import Any

import pytest
from jupyter_client.manager import start_new_kernel

from .conftest import validate
from .kernel import execute, profile_outputs, stream

pytestmark = pytest.mark.kernel

HYGIENE = (
    "import signal, sys, gc, threading\n"
    "print(signal.getsignal(signal.SIGALRM) == signal.SIG_DFL, signal.getitimer(signal.ITIMER_REAL),"
    " sys.gettrace(), sys.getprofile(), [t.name for t in threading.enumerate() if 'perfnb' in t.name],"
    " __import__('perfnb.engines.sampler').engines.sampler.running_watchers(wait_s=1.0))\n"
)
CLEAN = "True (0.0, 0.0) None None [] 0"


@pytest.fixture(scope="module")
def notebook() -> list[list[dict[str, Any]]]:
    return execute(
        [
            "%load_ext perfnb",  # 0
            "import numpy as np\ndef slow(n):\n    s = 0\n    for i in range(n):\n        s += i * i\n    return s",  # 1
            "%%perf\nx = slow(300000)\na = np.random.default_rng(0).random((1200, 1200))\nb = a @ a\nx",  # 2
            "%%perf\nimport asyncio\nawait asyncio.sleep(0.05)\nprint('after await')",  # 3
            "%%perf\nprint('before')\n1/0",  # 4
            HYGIENE,  # 5
            "%%perf -n 8 --warmup 1\nsum(range(10000))",  # 6
            "%%perf\n!echo from-shell\n%time y = 1",  # 7
            "print(_, Out[3] if 3 in Out else 'no Out[3]')",  # 8
            HYGIENE,  # 9
        ]
    )


def test_the_profile_is_displayed_with_the_cells_result(notebook: list[Any], schema: dict[str, Any]) -> None:
    outputs = notebook[2]
    kinds = [o["output_type"] for o in outputs]
    assert "execute_result" in kinds and kinds.count("display_data") == 1
    result = next(o for o in outputs if o["output_type"] == "execute_result")
    assert result["data"]["text/plain"] == str(sum(i * i for i in range(300000)))
    (profile,) = profile_outputs(outputs)
    validate(profile, schema)
    display = next(o for o in outputs if o["output_type"] == "display_data")
    assert set(display["data"]) >= {"text/html", "text/plain"}


def test_lines_are_named_as_the_user_sees_them(notebook: list[Any]) -> None:
    (profile,) = profile_outputs(notebook[2])
    count = profile["cell"]["execution_count"]
    assert profile["cell"]["source"].startswith("%%perf")
    by_code = {line["code"]: line for line in profile["lines"] if line["origin"] == "cell"}
    assert by_code["b = a @ a"]["line"] == 4 and by_code["b = a @ a"]["file"] == f"In [{count}]"
    loop = by_code["s += i * i"]
    assert loop["file"] == f"In [{count - 1}]" and loop["line"] == 5
    assert all("ipykernel_" not in line["file"] and "/tmp/" not in line["file"] for line in profile["lines"])
    matmul = by_code["b = a @ a"]
    assert matmul["native_s"] > 0.5 * matmul["time_s"]


def test_top_level_await_works(notebook: list[Any]) -> None:
    assert "after await" in stream(notebook[3])
    assert len(profile_outputs(notebook[3])) == 1


def test_an_error_is_reported_as_without_the_magic(notebook: list[Any]) -> None:
    outputs = notebook[4]
    assert "before" in stream(outputs)
    (error,) = [o for o in outputs if o["output_type"] == "error"]
    assert error["ename"] == "ZeroDivisionError" and error["evalue"] == "division by zero"
    traceback = "\n".join(error["traceback"])
    assert "perfnb" not in traceback and "line 3" in traceback
    assert len(profile_outputs(outputs)) == 1, "a partial profile is still shown"


def test_nothing_is_left_behind(notebook: list[Any]) -> None:
    assert stream(notebook[5]).strip() == CLEAN
    assert stream(notebook[9]).strip() == CLEAN


def test_repeats_in_a_kernel(notebook: list[Any]) -> None:
    (profile,) = profile_outputs(notebook[6])
    assert len(profile["timing"]["runs_s"]) == 8 and profile["timing"]["warmup"] == 1
    result = next(o for o in notebook[6] if o["output_type"] == "execute_result")
    assert result["data"]["text/plain"] == str(sum(range(10000)))


def test_shell_and_magic_lines_inside_a_profiled_cell(notebook: list[Any]) -> None:
    text = stream(notebook[7])
    assert "from-shell" in text and "Wall time" in text


def test_underscore_and_out_are_set(notebook: list[Any]) -> None:
    assert stream(notebook[8]).strip().startswith(str(sum(range(10000))))


def test_an_interrupted_cell_leaves_nothing_behind() -> None:
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        client.execute_interactive("%load_ext perfnb", timeout=60)
        msg_id = client.execute("%%perf\nimport time\ntime.sleep(30)")
        time.sleep(2.0)
        manager.interrupt_kernel()
        reply = client.get_shell_msg(timeout=30)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = client.get_shell_msg(timeout=30)
        assert reply["content"]["status"] == "error"
        assert reply["content"]["ename"] == "KeyboardInterrupt"
        printed: list[str] = []
        client.execute_interactive(
            HYGIENE,
            timeout=60,
            output_hook=lambda m: printed.append(m["content"].get("text", "") if m["msg_type"] == "stream" else str(m["content"].get("ename", ""))),
        )
        assert "".join(printed).strip() == CLEAN
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)

"""Hygiene in a real kernel: after every profiled cell — under every engine option, also when
the kernel's interrupt stops it — no perfnb hook remains; bad input gets a clear message.

The per-cell hygiene of the whole differential corpus is checked in tests/differential;
these are the cases that need an interrupt or a message of their own.
"""

from __future__ import annotations

import ast
import inspect
import json
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest
from IPython.core.error import UsageError
from jupyter_client.blocking import BlockingKernelClient
from jupyter_client.manager import KernelManager

from perfnb import options as perf_options

from .conftest import ROOT
from .differential.probe import EXPRESSION


def _has(option: str) -> bool:
    try:
        perf_options.parse(option)
    except UsageError:
        return False
    return True


ENGINE_HEADERS = ["%%perf"] + [f"%%perf {o}" for o in ("--memory", "--lines", "--torch") if _has(o)]
ENGINE_HEADERS.append("%%perf " + " ".join(o for o in ("--memory", "--lines", "--torch") if _has(o)))


class Kernel:
    def __init__(self) -> None:
        import os

        self.manager = KernelManager(kernel_name="python3")
        self.manager.start_kernel(env=dict(os.environ, PYTHONPATH=str(ROOT)))
        self.client: BlockingKernelClient = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=120)

    def run(self, code: str, timeout: float = 120) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The reply and the iopub contents of one cell."""
        msg_id = self.client.execute(code, allow_stdin=False)
        return self._finish(msg_id, timeout)

    def _finish(self, msg_id: str, timeout: float) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        outputs = []
        while True:
            msg = self.client.get_iopub_msg(timeout=timeout)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
            outputs.append(msg["msg_type"] and msg["content"] | {"msg_type": msg["msg_type"]})
        while True:
            reply = self.client.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply["content"], outputs

    def hooks(self) -> dict[str, Any]:
        msg_id = self.client.execute("", silent=True, store_history=False, user_expressions={"p": EXPRESSION})
        reply, _ = self._finish(msg_id, 60)
        state = json.loads(ast.literal_eval(reply["user_expressions"]["p"]["data"]["text/plain"]))
        return state["hooks"]  # type: ignore[no-any-return]

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def kernel() -> Iterator[Kernel]:
    k = Kernel()
    try:
        k.run("%load_ext perfnb")
        yield k
    finally:
        k.close()


def _text(outputs: list[dict[str, Any]]) -> str:
    parts = []
    for o in outputs:
        parts.append(o.get("text", ""))
        parts.append(o.get("evalue", ""))
        parts.extend(o.get("traceback", []))
    return "\n".join(parts)


def _assert_clean(hooks: dict[str, Any], baseline: dict[str, Any]) -> None:
    assert hooks["perfnb_threads"] == [] and not hooks["perfnb_active_recording"]
    # Signal handlers, timers, trace/profile functions, gc callbacks, tracemalloc, the torch
    # profiler (probed once torch is imported: it must then be off).
    assert {k: v for k, v in hooks.items() if k in baseline} == baseline
    assert not any(v for k, v in hooks.items() if k not in baseline), hooks


@pytest.mark.kernel
@pytest.mark.parametrize("header", ENGINE_HEADERS)
def test_an_interrupted_profiled_cell_leaves_nothing_behind(kernel: Kernel, header: str) -> None:
    baseline = kernel.hooks()
    msg_id = kernel.client.execute(f"{header}\nimport time\nprint('started', flush=True)\nfor _ in range(300):\n    time.sleep(0.1)")
    # Interrupt once the body runs (an interrupt during a slow engine start is another case:
    # see test_an_interrupt_during_engine_start_stops_the_cell).
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        msg = kernel.client.get_iopub_msg(timeout=120)
        if msg["parent_header"].get("msg_id") == msg_id and "started" in msg["content"].get("text", ""):
            break
    time.sleep(0.5)
    kernel.manager.interrupt_kernel()
    reply, outputs = kernel._finish(msg_id, 60)
    assert reply["status"] == "error" and reply["ename"] == "KeyboardInterrupt"
    _assert_clean(kernel.hooks(), baseline)
    # The kernel still profiles the next cell.
    reply, outputs = kernel.run(f"{header}\nsum(range(10000))")
    assert reply["status"] == "ok"
    assert any("application/vnd.perfnb.profile+json" in o.get("data", {}) for o in outputs)
    _assert_clean(kernel.hooks(), baseline)


@pytest.mark.kernel
def test_wrong_arguments_print_the_usage(kernel: Kernel) -> None:
    _reply, outputs = kernel.run("%%perf --no-such-option\nx = 1")
    text = _text(outputs)
    assert "usage:" in text.lower() or "unrecognized arguments" in text, text
    assert "no-such-option" in text
    assert not any("application/vnd.perfnb.profile+json" in o.get("data", {}) for o in outputs)
    _reply, outputs = kernel.run("%%perf -n 0\nx = 1")
    assert "usage" in _text(outputs).lower() or "invalid" in _text(outputs).lower()


@pytest.mark.kernel
def test_a_nested_profile_gets_a_clear_one_line_message(kernel: Kernel) -> None:
    reply, outputs = kernel.run("%%perf\nx = 0\n%perf y = sum(range(1000))\nprint(y)")
    assert reply["status"] == "ok"
    text = _text(outputs)
    assert "499500" in text, "the nested statement still runs"
    messages = [ln for ln in text.splitlines() if ln.startswith("perfnb:")]
    assert len(messages) == 1 and "already running" in messages[0], messages
    assert sum("application/vnd.perfnb.profile+json" in o.get("data", {}) for o in outputs) == 1


@pytest.mark.kernel
def test_an_unknown_engine_is_a_one_line_error(kernel: Kernel) -> None:
    reply, outputs = kernel.run("%%perf --engine no-such-engine\nx = 1\nprint('ran')")
    lines = [ln for ln in _text(outputs).splitlines() if "no-such-engine" in ln]
    assert len(lines) == 1 and "sampler, scalene" in lines[0], lines
    assert reply["status"] == "ok" and "ran" in _text(outputs), "the cell still runs"


class _InterruptedStart:
    """An engine whose start is interrupted (as a Ctrl-C during a slow ``import torch`` is)."""

    name = "interrupted"

    def start(self) -> None:
        raise KeyboardInterrupt

    def stop(self) -> None:
        pass

    def contribute(self, profile: Any, sources: Any) -> None:
        pass


def test_an_interrupt_during_engine_start_stops_the_cell(shell: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from perfnb import recorder

    monkeypatch.setattr(recorder, "make_engines", lambda *args, **kwargs: [_InterruptedStart()])
    shell.user_ns.pop("body_ran", None)
    result = shell.run_cell("%%perf -q\nbody_ran = True", store_history=True)
    assert "body_ran" not in shell.user_ns
    assert isinstance(result.error_in_exec, KeyboardInterrupt)
    assert "the cell did not run" in str(result.error_in_exec)
    monkeypatch.undo()
    # Nothing is left armed: the next cells, profiled or not, run in full.
    assert shell.run_cell("body_ran = 1", store_history=True).success
    assert shell.run_cell("%%perf -q\nbody_ran += 1", store_history=True).success
    assert shell.user_ns["body_ran"] == 2


def test_a_fault_while_perfnb_starts_leaves_the_next_cells_profiled(shell: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from perfnb import cellhooks
    from perfnb.engines.sampler import Sampler

    def broken(self: Sampler) -> None:  # a fault in the recorder's own step, after every engine started
        if inspect.stack()[1].function == "_start_engines":
            raise RuntimeError("broken on purpose")
        original(self)

    said: list[str] = []
    original = Sampler.note_tracer
    monkeypatch.setattr(cellhooks, "warn", said.append)
    monkeypatch.setattr(Sampler, "note_tracer", broken)
    assert shell.run_cell("%%perf -q\nfault_ran = True", store_history=True).success
    assert shell.user_ns["fault_ran"] is True
    assert said == ["could not start: RuntimeError: broken on purpose"]
    monkeypatch.setattr(Sampler, "note_tracer", original)
    shell.user_ns.pop("after_fault", None)
    assert shell.run_cell("%%perf -q -o after_fault\nx = sum(range(1000))", store_history=True).success
    assert said == ["could not start: RuntimeError: broken on purpose"], "no 'already running' after the fault"
    assert shell.user_ns["after_fault"].timing.wall_s > 0
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)

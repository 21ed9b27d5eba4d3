"""Runs a cell body many times (``%%perf -n``) or a single statement (``%perf``).

The body goes through IPython's own input transformers (so ``%magic`` and
``!shell`` lines work) and AST transformers, is compiled once under a name that
IPython maps to the cell's ``In [N]``, and is run in the user namespace. A final
expression's value is returned so IPython displays it and sets ``_`` and ``Out``.
A long series of runs shows its progress (``RunProgress``) apart from what the
cell prints.
"""

from __future__ import annotations

import ast
import html
import inspect
import os
import sys
import time
from collections.abc import Callable
from types import CodeType, TracebackType
from typing import Any, TextIO

from IPython.core.interactiveshell import InteractiveShell

PyCF_ALLOW_TOP_LEVEL_AWAIT = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


class CellProgram:
    """A cell body compiled once. ``first_line`` is the editor line of the body's first line."""

    def __init__(self, shell: InteractiveShell, body: str, first_line: int, execution_count: int) -> None:
        self._shell = shell
        transformed = shell.transform_cell(body)
        source = "\n" * (first_line - 1) + transformed
        # A name of its own (keyed on this text), mapped by IPython to In [execution_count].
        self.filename = shell.compile.cache(source, execution_count, raw_code=source)
        tree = shell.compile.ast_parse(source, filename=self.filename)
        tree = shell.transform_ast(tree)
        last: ast.expr | None = None
        if tree.body and isinstance(tree.body[-1], ast.Expr) and not transformed.rstrip().endswith(";"):
            last = tree.body.pop().value
        flags = shell.compile.flags | PyCF_ALLOW_TOP_LEVEL_AWAIT
        self._body = compile(tree, self.filename, "exec", flags=flags, dont_inherit=True)
        self._last: CodeType | None = None
        if last is not None:
            expression = ast.Expression(last)
            self._last = compile(expression, self.filename, "eval", flags=flags, dont_inherit=True)
        self.codes = {self._body, self._last} - {None}

    def is_root(self, code: CodeType) -> bool:
        return code in self.codes

    def swap_code(self, swap: Callable[[CodeType], CodeType]) -> None:
        """Run ``swap(code)`` instead of each code object of the body from now on (``--lines``:
        the copy line_profiler times). The copies are the cell's code too (``is_root``)."""
        self._body = swap(self._body)
        self._last = swap(self._last) if self._last is not None else None
        self.codes |= {self._body, self._last} - {None}

    def run(self) -> Any:
        """Run the body once; returns the final expression's value (None if there is none)."""
        __tracebackhide__ = True
        namespace = self._shell.user_ns
        _await_if_needed(eval(self._body, self._shell.user_global_ns, namespace))
        if self._last is None:
            return None
        return _await_if_needed(eval(self._last, self._shell.user_global_ns, namespace))


class RunProgress:
    """Where a series of runs is (``-n``, ``--warmup``): ``perfnb: run 3/20``, updated in place.

    In a kernel it is an output of its own (a display id: updated with ``update_display``,
    emptied at the end, so the profile shown next stands alone), never text on the cell's
    stdout or stderr streams; in a terminal it is a line on stderr redrawn with ``\\r`` and
    erased at the end. A series that ends within ``SHOW_AFTER_S`` shows nothing.
    """

    SHOW_AFTER_S = 0.5
    UPDATE_EVERY_S = 0.25

    def __init__(self, shell: InteractiveShell, warmup: int, repeat: int, stream: TextIO | None = None) -> None:
        self._warmup = warmup
        self._total = warmup + repeat
        self._kernel = getattr(shell, "kernel", None) is not None
        self._stream = stream if stream is not None else sys.stderr
        terminal = bool(getattr(self._stream, "isatty", lambda: False)())
        self._enabled = self._total > 1 and (self._kernel or terminal)
        self._started = time.perf_counter()
        self._shown_at: float | None = None
        self._handle: Any = None
        self._done = 0

    def advance(self) -> None:
        """One more run finished."""
        self._done += 1
        if not self._enabled or self._done >= self._total:
            return
        now = time.perf_counter()
        if now - self._started < self.SHOW_AFTER_S:
            return
        if self._shown_at is not None and now - self._shown_at < self.UPDATE_EVERY_S:
            return
        self._shown_at = now
        self._show(self.text(now))

    def text(self, now: float) -> str:
        done = self._done
        if done < self._warmup:
            where = f"warm-up run {done + 1}/{self._warmup}"
        else:
            where = f"run {done - self._warmup + 1}/{self._total - self._warmup}"
        left = (now - self._started) / done * (self._total - done) if done else 0.0
        return f"perfnb: {where}, about {_duration(left)} left"

    def close(self) -> None:
        """Take the progress away (safe to call twice)."""
        if self._shown_at is None:
            return
        self._shown_at = None
        if self._kernel:
            self._handle.update({}, raw=True)
        else:
            self._stream.write("\r\x1b[2K")
            self._stream.flush()

    def _show(self, text: str) -> None:
        if not self._kernel:
            self._stream.write("\r\x1b[2K" + text)
            self._stream.flush()
            return
        from IPython.display import display

        bundle = {
            "text/plain": text,
            "text/html": f'<progress max="{self._total}" value="{self._done}"></progress> <span>{html.escape(text)}</span>',
        }
        if self._handle is None:
            self._handle = display(bundle, raw=True, display_id=True)
        else:
            self._handle.update(bundle, raw=True)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s" if seconds >= 1 else "1 s"
    return f"{seconds / 60:.0f} min"


def _await_if_needed(value: Any) -> Any:
    """Code compiled with top-level await returns a coroutine: run it to completion.

    Inside a kernel an event loop is already running on this thread, so the
    coroutine runs on a fresh loop while the kernel's is set aside.
    """
    __tracebackhide__ = True
    if not inspect.iscoroutine(value):
        return value
    import asyncio

    running = asyncio.events._get_running_loop()
    asyncio.events._set_running_loop(None)
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(value)
    finally:
        loop.close()
        asyncio.events._set_running_loop(running)


def strip_own_frames(exc: BaseException) -> BaseException:
    """Drop perfnb's frames from the front of an exception's traceback, so a user sees
    their own lines first, as they would without the magic."""
    tb: TracebackType | None = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(PACKAGE_DIR):
        tb = tb.tb_next
    return exc.with_traceback(tb)

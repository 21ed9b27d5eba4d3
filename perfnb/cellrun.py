"""Runs a cell body many times (``%%perf -n``) or a single statement (``%perf``).

The body goes through IPython's own input transformers (so ``%magic`` and
``!shell`` lines work) and AST transformers, is compiled once under a name that
IPython maps to the cell's ``In [N]``, and is run in the user namespace. A final
expression's value is returned so IPython displays it and sets ``_`` and ``Out``.
"""

from __future__ import annotations

import ast
import inspect
import os
from types import CodeType, TracebackType
from typing import Any

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

    def run(self) -> Any:
        """Run the body once; returns the final expression's value (None if there is none)."""
        __tracebackhide__ = True
        namespace = self._shell.user_ns
        _await_if_needed(eval(self._body, self._shell.user_global_ns, namespace))
        if self._last is None:
            return None
        return _await_if_needed(eval(self._last, self._shell.user_global_ns, namespace))


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

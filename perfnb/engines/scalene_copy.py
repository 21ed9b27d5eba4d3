"""The program Scalene runs for ``%%perf --engine scalene``: the copy of a cell.

Run as ``python -m scalene run --off ... scalene_copy.py --- FOLDER``, in a process of
its own, with FOLDER written by scalene_engine.py: ``cell.py`` (the cell's code,
line numbers as in the editor), ``setup.json`` (the kernel's ``sys.path``, compiler
flags and earlier cells' sources) and ``namespace.pkl`` (the variables the cell
reads). Profiling is on only while the cell's code runs. If the copy raises,
``error.json`` says where and what; the profile up to there is kept.

Standalone on purpose: it imports neither perfnb nor IPython.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import linecache
import os
import pickle
import sys
import traceback


def main(folder: str) -> None:
    with open(os.path.join(folder, "setup.json"), encoding="utf-8") as setup_file:
        setup = json.load(setup_file)
    sys.path[:] = setup["sys_path"] + [p for p in sys.path if p not in setup["sys_path"]]
    for filename, text in setup["sources"].items():
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    with open(os.path.join(folder, "namespace.pkl"), "rb") as namespace_file:
        probe, values = pickle.load(namespace_file)
    namespace = probe.__globals__  # the namespace earlier cells' functions share, as in the kernel
    namespace.update(values)
    cell_path = os.path.join(folder, "cell.py")
    with open(cell_path, encoding="utf-8") as cell_file:
        code = compile(cell_file.read(), cell_path, "exec",
                       flags=setup["flags"] | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    from scalene import scalene_profiler

    scalene_profiler.start()
    try:
        result = eval(code, namespace)
        if inspect.iscoroutine(result):  # top-level await
            asyncio.run(result)
    except BaseException as exc:  # the kernel's run of the cell is what the user sees; note the copy's
        lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == cell_path]
        with open(os.path.join(folder, "error.json"), "w", encoding="utf-8") as error_file:
            json.dump({"line": lines[-1] if lines else 0, "error": f"{type(exc).__name__}: {exc}"}, error_file)
    finally:
        scalene_profiler.stop()


if __name__ == "__main__":
    main(sys.argv[-1])

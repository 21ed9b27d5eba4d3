"""``%%perf --engine scalene``: Scalene profiles a copy of the cell in a separate process.

Scalene profiles a program it launches: it patches process-wide state (``os``
functions, ``threading.Lock``, ``signal.signal``, ``exec``, ``os._exit``, the
environment) for good, and its own notebook magic executes the cell under it,
in ``__main__``, swallowing the cell's exceptions. None of that may happen to the
user's kernel, so the cell runs in the kernel exactly as without perfnb (its
effects, output and errors stand), and Scalene runs a copy:

- ``start`` (before the cell) copies, with cloudpickle, the variables the cell
  reads — functions and classes of earlier cells by value, with the globals they
  use, sharing one namespace as in the kernel — and writes the cell's code;
- ``stop`` (after the cell) runs ``scalene run --cpu-only`` on ``scalene_copy.py``
  in a new Python process, in the kernel's working directory and ``sys.path``;
  the copy's output is discarded; an interrupt stops the copy, not the cell;
- ``contribute`` turns Scalene's JSON into the profile (importers/scalene.py):
  Scalene's shares of time per line, spread over the cell's own wall time, on
  the lines of this cell and of earlier cells as ``In [N]``.
"""

from __future__ import annotations

import ast
import json
import linecache
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import types
from typing import Any

from ..model import LineStat, Profile, TreeNode
from ..sources import LIBRARY_ROOTS, SourceMap, cell_label

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COPY_PROGRAM = os.path.join(PACKAGE_DIR, "engines", "scalene_copy.py")
SCALENE_SAMPLING_S = 0.01  # Scalene's default CPU sampling interval


class ScaleneEngine:
    name = "scalene"

    def __init__(self, shell: Any, code: str) -> None:
        self._shell = shell
        self._code = code
        self._folder: str | None = None
        self._ready = False  # start() copied everything the copy needs
        self._cell_path = ""
        self._profile_only: list[str] = []
        self._data: dict[str, Any] | None = None
        self._failure = ""
        self._notes: list[str] = []

    def start(self) -> None:
        self._folder = folder = tempfile.mkdtemp(prefix="perfnb-scalene-")
        self._cell_path = os.path.join(folder, "cell.py")
        with open(self._cell_path, "w", encoding="utf-8") as out:
            out.write(self._code)
        compiler = self._shell.compile
        cell_files = [f for f in getattr(compiler, "_filename_map", {}) if os.path.isabs(f)]
        self._profile_only = sorted({folder, os.getcwd(), *(os.path.dirname(f) for f in cell_files)})
        setup = {
            "sys_path": list(sys.path),
            "flags": int(compiler.flags),
            # Earlier cells' sources: IPython keeps them in linecache, which the copy does not share.
            "sources": {f: "".join(linecache.getlines(f)) for f in cell_files},
        }
        with open(os.path.join(folder, "setup.json"), "w", encoding="utf-8") as out:
            json.dump(setup, out)
        skipped = write_namespace(
            self._shell.user_global_ns, read_names(self._code), os.path.join(folder, "namespace.pkl")
        )
        if skipped:
            self._notes.append(
                f"scalene: not copied to Scalene's process (cannot be pickled): {', '.join(skipped)}"
            )
        self._ready = True

    def stop(self) -> None:
        folder, self._folder = self._folder, None
        if folder is None:
            return
        try:
            if self._ready:
                self._run_copy(folder)
        except KeyboardInterrupt:  # subprocess.run has killed the copy; the cell itself had finished
            self._failure = "interrupted while Scalene profiled the copy of the cell"
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _run_copy(self, folder: str) -> None:
        output = os.path.join(folder, "scalene.json")
        command = [
            sys.executable, "-m", "scalene", "run", "--cpu-only", "--off", "-o", output,
            # Every file of the cell, of earlier cells and under the working directory; no libraries.
            "--profile-all", "--profile-only", _patterns(self._profile_only), "--profile-exclude", _patterns(_excluded()),
            COPY_PROGRAM, "---", folder,
        ]
        log_path = os.path.join(folder, "log.txt")
        env = dict(os.environ, MPLBACKEND="Agg")  # the kernel's inline backend needs the kernel
        with open(log_path, "wb") as log:
            result = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    env=env, check=False)
        error_path = os.path.join(folder, "error.json")
        if os.path.exists(error_path):
            with open(error_path, encoding="utf-8") as error_file:
                error = json.load(error_file)
            self._notes.append(f"scalene: the copy of the cell stopped at line {error['line']}: {error['error']}")
        if os.path.exists(output):
            with open(output, encoding="utf-8") as data_file:
                self._data = json.load(data_file)
        elif result.returncode == 0:
            self._failure = (f"Scalene took no samples: the copy of the cell ran too briefly "
                             f"(Scalene samples every {SCALENE_SAMPLING_S * 1000:.0f} ms)")
        else:
            self._failure = f"Scalene failed (exit status {result.returncode}): {_last_line(log_path)}"

    def contribute(self, profile: Profile, sources: SourceMap) -> None:
        from ..importers.scalene import from_scalene

        profile.meta.errors.append(
            "scalene: this profile is of a copy of the cell run in a separate process; what the copy "
            "did outside Python (files, network) happened a second time"
        )
        profile.meta.errors.extend(self._notes)
        if self._data is None:
            raise RuntimeError(self._failure or "Scalene did not run")
        imported = from_scalene(self._data, elapsed_s=profile.timing.wall_s)
        count = profile.cell.execution_count
        cell_path = os.path.realpath(self._cell_path)
        cell_file = next((f for f in self._data.get("files", {}) if os.path.realpath(f) == cell_path), None)
        places = _Places(sources, count, cell_file)
        profile.lines = sorted(
            (places.line(stat) for stat in imported.lines),
            key=lambda s: (s.origin != "cell", s.cell or 0, s.file, s.line),
        )
        if imported.tree is not None:
            profile.tree = places.tree(imported.tree)
        profile.meta.interval_s = SCALENE_SAMPLING_S


class _Places:
    """Names Scalene's files as the user sees them: the copy's cell file is this cell,
    the kernel's cell files are earlier cells (``In [N]``), other files keep their path."""

    def __init__(self, sources: SourceMap, count: int | None, cell_file: str | None) -> None:
        self._sources = sources
        self._count = count
        self._cell_file = cell_file

    def _place(self, file: str) -> tuple[int | None, str] | None:
        """(cell number, label) when ``file`` is a cell, else None."""
        if file == self._cell_file:
            return self._count, cell_label(self._count)
        location = self._sources.locate(file)
        return (location.cell, location.file) if location.origin == "cell" else None

    def line(self, stat: LineStat) -> LineStat:
        place = self._place(stat.file)
        if place is None:
            return stat
        number, label = place
        lines = self._sources.cell_lines(number)
        code = lines[stat.line - 1].strip() if 0 < stat.line <= len(lines) else stat.code
        return LineStat(
            origin="cell", cell=number, file=label, line=stat.line, code=code, time_s=stat.time_s,
            native_s=stat.native_s, function=stat.function,
        )

    def tree(self, root: TreeNode) -> TreeNode:
        label = cell_label(self._count)
        root.name = root.file = label
        root.line = 1
        # The copy's module frame is the cell itself: the root, as in the sampler's tree.
        for node in list(root.children):
            if node.file == self._cell_file and node.name == "<module>":
                root.children.remove(node)
                root.children.extend(node.children)
                root.self_s += node.self_s
        for node in root.walk():
            place = self._place(node.file) if node is not root else None
            if place is not None:
                node.cell, node.file = place
        root.children.sort(key=lambda c: c.time_s, reverse=True)
        return root


def read_names(code: str) -> set[str]:
    """The global names the cell may read (or delete): the variables it needs from the kernel."""
    tree = ast.parse(code)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Store)}
    names |= {n.target.id for n in ast.walk(tree) if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name)}
    names |= {name for n in ast.walk(tree) if isinstance(n, (ast.Global, ast.Nonlocal)) for name in n.names}
    return names


def write_namespace(user_ns: dict[str, Any], names: set[str], path: str) -> list[str]:
    """Pickle the variables of ``names`` that exist, in one pickle so that objects shared between
    them stay shared; returns the names left out because they cannot be pickled.

    A probe function whose globals are the user namespace travels along: unpickled, its
    ``__globals__`` is the namespace that earlier cells' functions share, where the copy runs.
    """
    import cloudpickle

    probe = types.FunctionType(compile("None", "<perfnb>", "eval"), user_ns)
    values = {name: user_ns[name] for name in sorted(names) if name in user_ns}
    skipped: list[str] = []
    while True:
        try:
            with open(path, "wb") as out:
                cloudpickle.dump((probe, values), out)
            return skipped
        except Exception:
            bad = [name for name, value in values.items() if not _picklable(value)]
            if not bad:
                raise
            skipped.extend(bad)
            values = {name: value for name, value in values.items() if name not in bad}


def _picklable(value: Any) -> bool:
    import cloudpickle

    try:
        cloudpickle.dumps(value)
    except Exception:
        return False
    return True


def _excluded() -> list[str]:
    """Libraries and perfnb itself: Scalene charges their time to the user's line that calls them."""
    platlib = sysconfig.get_paths().get("platlib")
    return sorted({*LIBRARY_ROOTS, PACKAGE_DIR, *([platlib] if platlib else [])})


def _patterns(paths: list[str]) -> str:
    """Scalene's comma-separated substring patterns (a path with a comma cannot be one)."""
    return ",".join(p for p in paths if "," not in p)


def _last_line(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as log:
        lines = [line.strip() for line in log if line.strip()]
    return lines[-1] if lines else "no output"

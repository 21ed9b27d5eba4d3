"""``perfnb run``: execute a notebook in a real kernel and collect every profile it shows.

The notebook runs in a fresh kernel (nbclient), in its own folder, cell by cell.
perfnb is loaded first, silently (execution counts and outputs stay those of a
normal run, also when the notebook loads perfnb itself). With ``all_cells`` every code cell is run with
a ``%%perf`` line added in an in-memory copy; the profiles' line numbers are shifted
back, so they — and the outputs written with ``-o`` — refer to the original cells.
"""

from __future__ import annotations

import copy
import datetime
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError
from .model import Profile
from .profile_files import ProfiledCell, RunDocument, profiles_in_outputs
from .progress import CellProgress

# perfnb's own loader (not %load_ext): a later `%load_ext perfnb` in the notebook is then a silent no-op.
LOAD_CODE = "__import__('perfnb').load_ipython_extension(get_ipython())"
_LOADS_PERFNB = re.compile(r"^\s*%(re)?load_ext\s+perfnb\b", re.MULTILINE)


@dataclass
class RunOptions:
    all_cells: bool = False
    kernel: str | None = None
    timeout_s: int | None = None
    progress: bool = True


@dataclass
class NotebookRun:
    document: RunDocument
    notebook: Any  # the executed notebook (nbformat.NotebookNode), outputs under the original cells
    failure: str | None = None  # one line when a cell failed; the document then holds what ran


def read_notebook(path: Path) -> Any:
    try:
        import nbformat
    except ImportError:
        raise InputError("perfnb run needs nbclient, nbformat and ipykernel: pip install 'perfnb[cli]'") from None

    if not path.exists():
        raise InputError(f"{path}: no such file")
    try:
        return nbformat.read(str(path), as_version=4)  # type: ignore[no-untyped-call]
    except Exception as exc:  # nbformat raises JSON errors, validation errors, OSErrors
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path}: not a readable notebook ({reason})") from None


def with_perf_line(source: str) -> str | None:
    """The cell source with a ``%%perf`` line in front, or None when it must run as it is
    (empty, already ``%%perf``, another cell magic, or the cell that loads perfnb)."""
    first = next((line for line in source.splitlines() if line.strip()), "")
    if not first or first.lstrip().startswith("%%") or _LOADS_PERFNB.search(source):
        return None
    return "%%perf\n" + source


def run_notebook(path: Path, options: RunOptions) -> NotebookRun:
    original = read_notebook(path)
    working = copy.deepcopy(original)
    shifted: set[int] = set()  # positions of cells that got a %%perf line
    if options.all_cells:
        for position, cell in enumerate(working.cells):
            rewritten = with_perf_line(cell.source) if cell.cell_type == "code" else None
            if rewritten is not None:
                cell.source = rewritten
                shifted.add(position)
    started_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+") as kernel_log:  # the kernel's own stderr: shown only if it dies
        failure = _execute(path, original, working, options, kernel_log)
    document = RunDocument(
        notebook=str(path), cells=_collect(path, original, working, shifted), metadata=dict(working.metadata),
        started_at=started_at, wall_s=time.perf_counter() - t0, all_cells=options.all_cells,
    )
    return NotebookRun(document, original, failure)


def _execute(path: Path, original: Any, working: Any, options: RunOptions, kernel_log: Any) -> str | None:
    """Run the working copy's code cells in a fresh kernel; one line on the first failure."""
    try:
        from jupyter_client.kernelspec import NoSuchKernel
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    except ImportError:
        raise InputError("perfnb run needs nbclient, nbformat and ipykernel: pip install 'perfnb[cli]'") from None

    kernel = options.kernel or original.metadata.get("kernelspec", {}).get("name") or "python3"
    client = NotebookClient(working, timeout=options.timeout_s, kernel_name=kernel, allow_errors=False)
    code_cells = [i for i, c in enumerate(working.cells) if c.cell_type == "code"]
    progress = CellProgress(len(code_cells), enabled=options.progress)
    position = -1
    try:
        with client.setup_kernel(cwd=str(path.resolve().parent), stderr=kernel_log):
            _start(client, working)
            for position in code_cells:
                cell = working.cells[position]
                progress.start(ProfiledCell(position, None, original.cells[position].source).label())
                try:
                    client.execute_cell(cell, position, execution_count=client.code_cells_executed + 1)
                finally:
                    progress.finish(len(_profile_outputs(cell)))
    except CellExecutionError as exc:
        return f"{path}: cell {position} failed: {exc.ename}: {exc.evalue}"
    except CellTimeoutError:
        return f"{path}: cell {position} ran past the {options.timeout_s} s timeout"
    except DeadKernelError:
        return f"{path}: the kernel died in cell {position}" + _last_line(kernel_log)
    except RuntimeError as exc:  # nbclient's word for a kernel that did not start or answer
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"{path}: kernel {kernel!r} failed: {reason}" + _last_line(kernel_log)
    except NoSuchKernel:
        raise InputError(f"{path}: no kernel named {kernel!r} is installed") from None
    finally:
        progress.close()
    return None


def _start(client: Any, working: Any) -> None:
    """Kernel info into the notebook's metadata (as nbclient does), then load perfnb silently."""
    reply = client.wait_for_reply(client.kc.kernel_info())
    if reply is not None and "language_info" in reply["content"]:
        working.metadata["language_info"] = reply["content"]["language_info"]
    reply = client.wait_for_reply(client.kc.execute(LOAD_CODE, silent=True, store_history=False))
    content = reply["content"] if reply is not None else {"status": "error", "ename": "no reply", "evalue": ""}
    if content.get("status") != "ok":
        raise InputError(f"the kernel could not load perfnb: {content.get('ename')}: {content.get('evalue')}")


def _last_line(log: Any) -> str:
    log.seek(0)
    lines = [line.strip() for line in log.read().splitlines() if line.strip()]
    return f" ({lines[-1]})" if lines else ""


def _profile_outputs(cell: Any) -> list[dict[str, Any]]:
    from .model import MIME_TYPE

    return [o for o in cell.get("outputs", []) if MIME_TYPE in (o.get("data") or {})]


def _collect(path: Path, original: Any, working: Any, shifted: set[int]) -> list[ProfiledCell]:
    """Profiles per original cell; outputs and execution counts copied onto the original cells."""
    counts_shifted = {working.cells[p].get("execution_count") for p in shifted} - {None}
    cells = []
    for position, (cell, ran) in enumerate(zip(original.cells, working.cells, strict=True)):
        if cell.cell_type != "code":
            continue
        cell.outputs = ran.get("outputs", [])
        cell.execution_count = ran.get("execution_count")
        profiles = profiles_in_outputs(cell.outputs, f"{path}: cell {position}")
        for profile in profiles:
            _unshift(profile, counts_shifted, cell.source if position in shifted else None)
        if profiles:
            cells.append(ProfiledCell(position, cell.get("id"), cell.source, profiles))
    return cells


def _unshift(profile: Profile, counts: set[int], own_source: str | None) -> None:
    """Line numbers of cells that ran with an added %%perf line, back to the user's numbering."""
    if own_source is not None:
        profile.cell.source = own_source
    for stat in profile.lines:
        if stat.origin == "cell" and stat.cell in counts:
            stat.line -= 1
    if profile.tree is not None:
        for node in profile.tree.walk():
            if node.cell in counts and node.line > 1:
                node.line -= 1
    if own_source is not None and profile.cell.execution_count in counts:
        for suggestion in profile.suggestions:
            suggestion.lines = [line - 1 for line in suggestion.lines]

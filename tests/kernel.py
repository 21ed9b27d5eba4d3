"""Running cells in a real kernel (nbclient + ipykernel), as a notebook user would."""

from __future__ import annotations

from typing import Any

import nbformat
from nbclient import NotebookClient

TIMEOUT_S = 120


def execute(cells: list[str], allow_errors: bool = True) -> list[list[dict[str, Any]]]:
    """Run the cells in order in a fresh kernel; the outputs of each cell."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    client = NotebookClient(notebook, timeout=TIMEOUT_S, kernel_name="python3", allow_errors=allow_errors)
    client.execute()
    return [list(cell.outputs) for cell in notebook.cells]


class _RecordingClient(NotebookClient):
    """A NotebookClient that keeps every iopub message of each cell (updates of a display included)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.messages: dict[int, list[dict[str, Any]]] = {}

    def process_message(self, msg: dict[str, Any], cell: Any, cell_index: int) -> Any:
        self.messages.setdefault(cell_index, []).append(msg)
        return super().process_message(msg, cell, cell_index)


def execute_messages(cells: list[str]) -> tuple[list[list[dict[str, Any]]], list[list[dict[str, Any]]]]:
    """Like ``execute``; also the iopub messages of each cell, in the order they came."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    client = _RecordingClient(notebook, timeout=TIMEOUT_S, kernel_name="python3", allow_errors=True)
    client.execute()
    outputs = [list(cell.outputs) for cell in notebook.cells]
    return outputs, [client.messages.get(i, []) for i in range(len(cells))]


def profile_outputs(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from perfnb.model import MIME_TYPE

    return [o["data"][MIME_TYPE] for o in outputs if o.get("output_type") == "display_data" and MIME_TYPE in o["data"]]


def stream(outputs: list[dict[str, Any]], name: str = "stdout") -> str:
    return "".join(o["text"] for o in outputs if o.get("output_type") == "stream" and o.get("name") == name)

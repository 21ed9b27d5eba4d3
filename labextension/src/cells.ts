/** Reading profiles and history out of a notebook, writing history back, and jumping to a line. */
import type { ICodeCellModel } from "@jupyterlab/cells";
import type { NotebookPanel } from "@jupyterlab/notebook";
import type { ProfileJSON } from "@perfnb/views";
import { asProfile, type CellInput, METADATA_KEY, MIME_TYPE, readRuns, summarize, withRun } from "./model";

interface OutputData {
  profile: ProfileJSON | null;
  html: string | null;
}

function latestProfile(cell: ICodeCellModel): OutputData {
  let found: OutputData = { profile: null, html: null };
  for (let i = 0; i < cell.outputs.length; i++) {
    const data = cell.outputs.get(i).data;
    const profile = asProfile(data[MIME_TYPE]);
    if (!profile) continue;
    const html = data["text/html"];
    found = { profile, html: typeof html === "string" ? html : Array.isArray(html) ? html.join("") : null };
  }
  return found;
}

/** Every code cell of the notebook, in order, with its latest profile output and its history. */
export function readCells(panel: NotebookPanel): CellInput[] {
  const model = panel.content.model;
  if (!model) return [];
  const cells: CellInput[] = [];
  for (let index = 0; index < model.cells.length; index++) {
    const cell = model.cells.get(index);
    if (cell.type !== "code") continue;
    const code = cell as ICodeCellModel;
    const { profile, html } = latestProfile(code);
    cells.push({ index, id: cell.id, executionCount: code.executionCount, profile, html, metadata: cell.getMetadata(METADATA_KEY) });
  }
  return cells;
}

/**
 * Add the cell's latest profile to the history in its metadata (a no-op when it
 * is already there). Called when a cell finishes, so opening a notebook never
 * changes it.
 */
export function recordRun(cell: ICodeCellModel): boolean {
  const { profile } = latestProfile(cell);
  if (!profile) return false;
  const runs = readRuns(cell.getMetadata(METADATA_KEY));
  const next = withRun(runs, summarize(profile));
  if (next === runs) return false;
  cell.setMetadata(METADATA_KEY, { runs: next });
  return true;
}

/** Scroll to a cell, make it active and select one of its lines (1-based) in the editor. */
export async function revealLine(panel: NotebookPanel, index: number, line: number | null): Promise<void> {
  const notebook = panel.content;
  const cell = notebook.widgets[index];
  if (!cell) return;
  notebook.deselectAll();
  notebook.activeCellIndex = index;
  await notebook.scrollToCell(cell, "center");
  cell.node.classList.remove("perfnb-flash");
  void cell.node.offsetWidth; // restart the animation
  cell.node.classList.add("perfnb-flash");
  window.setTimeout(() => cell.node.classList.remove("perfnb-flash"), 1600);
  if (line === null) return;
  await cell.ready;
  const editor = cell.editor;
  if (!editor) return;
  const row = Math.max(0, Math.min(line - 1, editor.lineCount - 1));
  const text = editor.getLine(row) ?? "";
  notebook.mode = "edit";
  editor.setSelection({ start: { line: row, column: 0 }, end: { line: row, column: text.length } });
  editor.revealPosition({ line: row, column: 0 });
  editor.focus();
}

/**
 * @perfnb/views — perfnb's profile views, one implementation shared by the
 * anywidget panel (perfnb/static/panel.js) and the JupyterLab sidebar.
 *
 *   import { renderPanel } from "@perfnb/views";
 *   import "@perfnb/views/style/panel.css";
 *   const handle = renderPanel(node, profileJSON, { onVerify, onOpenTutorial });
 *   handle.dispose();
 */
export type {
  CellJSON, ComparisonJSON, DiffNodeJSON, GcJSON, GpuJSON, Level, LineDeltaJSON, LineJSON, MemoryJSON, MetaJSON,
  PanelHandle, PanelOptions, ProfileJSON, SuggestionJSON, ThreadJSON, TimingJSON, TorchJSON, TorchOpJSON,
  TreeNodeJSON, TutorialLink, VerifyState, ViewName,
} from "./types.js";
export { renderPanel } from "./panel.js";
export { FlameView } from "./views/flame.js";
export { labPath, tutorialHref } from "./views/advice.js";
export { speedupText } from "./views/compare.js";
export * as format from "./format.js";

export const MIME_TYPE = "application/vnd.perfnb.profile+json";

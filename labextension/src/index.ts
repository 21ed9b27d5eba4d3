/**
 * perfnb's JupyterLab plugin: the left-sidebar "Performance" panel and a command
 * to open one profile in a main-area tab. The mime renderer for
 * application/vnd.perfnb.profile+json is the package's mimeExtension (mime.ts).
 */
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from "@jupyterlab/application";
import { ILayoutRestorer } from "@jupyterlab/application";
import { MainAreaWidget } from "@jupyterlab/apputils";
import { INotebookTracker, type NotebookPanel } from "@jupyterlab/notebook";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { createFactory, RANK, WIDGET_MIME } from "./mime";
import { LabIcon } from "@jupyterlab/ui-components";
import { ProfileWidget } from "./profilewidget";
import { PerformanceSidebar } from "./sidebar";

const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24"><path class="jp-icon3" fill="#616161" d="M3 20h18v2H3zm1-2V9h3v9zm5 0V3h3v15zm5 0v-7h3v7zm5 0V6h3v12z"/></svg>`;
export const perfIcon = new LabIcon({ name: "perfnb:performance", svgstr: ICON_SVG });

/**
 * The bundle's widget view, rendered by the notebook's widget renderer, when its
 * model is open in the kernel right now (a comm with the model's id); else null.
 */
async function liveWidget(panel: NotebookPanel, model: IRenderMime.IMimeModel): Promise<IRenderMime.IRenderer | null> {
  const view = model.data[WIDGET_MIME] as { model_id?: unknown } | undefined;
  const kernel = panel.sessionContext.session?.kernel;
  if (!view || typeof view.model_id !== "string" || !kernel) return null;
  try {
    const reply = await kernel.requestCommInfo({ target_name: "jupyter.widget" });
    const comms = reply.content.status === "ok" ? reply.content.comms : {};
    if (!(view.model_id in comms)) return null;
    const renderer = panel.content.rendermime.createRenderer(WIDGET_MIME);
    await renderer.renderModel(model);
    return renderer;
  } catch {
    return null; // no widget renderer or no answer: the panel from the profile
  }
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: "perfnb:sidebar",
  description: "The Performance sidebar: every profiled cell of the active notebook.",
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ILayoutRestorer],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker, restorer: ILayoutRestorer | null) => {
    const sidebar = new PerformanceSidebar({
      tracker,
      contents: app.serviceManager.contents,
      openDetails: (entry, panel) => {
        const content = new ProfileWidget(entry.profile);
        const widget = new MainAreaWidget({ content });
        widget.id = `perfnb-details-${Date.now()}`;
        widget.title.label = `${entry.label} · ${panel.title.label}`;
        widget.title.icon = perfIcon;
        widget.title.closable = true;
        app.shell.add(widget, "main", { mode: "split-right" });
      },
    });
    sidebar.title.icon = perfIcon;
    app.shell.add(sidebar, "left", { rank: 650 });
    restorer?.add(sidebar, sidebar.id);
    // Each notebook renders profiles with a factory that knows its kernel (see mime.ts).
    const attach = (panel: NotebookPanel): void => panel.content.rendermime.addFactory(createFactory((model) => liveWidget(panel, model)), RANK);
    tracker.forEach(attach);
    tracker.widgetAdded.connect((_, panel) => attach(panel));
    app.commands.addCommand("perfnb:open-sidebar", {
      label: "Show the Performance sidebar",
      execute: () => app.shell.activateById(sidebar.id),
    });
  },
};

export default plugin;

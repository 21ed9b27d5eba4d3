/**
 * The renderer for `application/vnd.perfnb.profile+json`: a saved notebook shows
 * the interactive panel in JupyterLab without a kernel and without widget state.
 * It is "safe" (everything from the profile is rendered as text), so it also
 * shows in untrusted notebooks, where the text/html report would not.
 *
 * Where perfnb also displayed its anywidget panel (same views, plus the kernel's
 * Verify and A/B comparison), that widget is shown instead while it is live in the
 * kernel; after a reload, or without a kernel, the widget's model is gone and this
 * renderer shows the panel from the profile itself (see `liveWidget` in index.ts).
 *
 * Outputs of always-on mode (`%perf on`) carry `{"always_on": true}` in their
 * metadata and open folded: one line with the time and the hottest line, and a
 * button that unfolds the panel.
 */
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { format } from "@perfnb/views";
import type { ProfileJSON } from "@perfnb/views";
import { PanelLayout, Widget } from "@lumino/widgets";
import { el } from "./dom";
import { asProfile, lineWhere, MIME_TYPE } from "./model";
import { ProfileWidget } from "./profilewidget";

export const WIDGET_MIME = "application/vnd.jupyter.widget-view+json";

/** Renders the bundle's live widget view, or returns null when there is none to show. */
export type WidgetDelegate = (model: IRenderMime.IMimeModel) => Promise<IRenderMime.IRenderer | null>;

export class ProfileRenderer extends Widget implements IRenderMime.IRenderer {
  private panel: Widget | null = null;

  constructor(private readonly options: IRenderMime.IRendererOptions, private readonly delegate: WidgetDelegate | null = null) {
    super();
    this.addClass("perfnb-mime");
    this.layout = new PanelLayout();
  }

  /** Show a child widget (the panel or the live widget view); Lumino attaches it with this one. */
  private showChild(child: Widget): void {
    this.panel = child;
    (this.layout as PanelLayout).addWidget(child);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const profile = asProfile(model.data[this.options.mimeType]);
    this.panel?.dispose();
    this.panel = null;
    this.node.replaceChildren();
    const live = profile && this.delegate ? await this.delegate(model) : null;
    if (live) {
      this.showChild(live as Widget);
      return;
    }
    if (!profile) {
      this.node.appendChild(el("div", { class: "perfnb-mime-error" }, "perfnb: this output is not a perfnb.profile/1 profile"));
      return;
    }
    const meta = model.metadata[MIME_TYPE];
    const folded = typeof meta === "object" && meta !== null && !Array.isArray(meta) && (meta as { always_on?: unknown }).always_on === true;
    if (folded) this.renderFolded(profile);
    else this.renderPanel(profile);
  }

  private renderPanel(profile: ProfileJSON): void {
    this.showChild(new ProfileWidget(profile));
  }

  private renderFolded(profile: ProfileJSON): void {
    const hottest = [...(profile.lines ?? [])].sort((a, b) => b.time_s - a.time_s)[0];
    const button = el("button", { type: "button", class: "perfnb-unfold", "aria-expanded": "false" }, "Show profile");
    const line = el(
      "div",
      { class: "perfnb-folded" },
      el("span", { class: "perfnb-folded-title" }, "perfnb"),
      ` ${format.seconds(profile.timing.wall_s)}`,
      hottest ? el("span", { class: "perfnb-folded-hot" }, ` · hottest ${lineWhere(hottest)}: `, el("code", {}, hottest.code.trim())) : null,
      " ",
      button,
    );
    button.addEventListener("click", () => {
      line.remove();
      this.renderPanel(profile);
    });
    this.node.appendChild(line);
  }

  dispose(): void {
    this.panel?.dispose();
    this.panel = null;
    super.dispose();
  }
}

/** Ranked before the widget renderer (-10), which it hands live widgets to. */
export const RANK = -20;

export function createFactory(delegate: WidgetDelegate | null = null): IRenderMime.IRendererFactory {
  return { safe: true, mimeTypes: [MIME_TYPE], defaultRank: RANK, createRenderer: (options) => new ProfileRenderer(options, delegate) };
}

/**
 * For outputs outside notebooks (and before the sidebar plugin attaches a
 * notebook's own factory): ranked after the widget renderer, so a live widget
 * view still wins there.
 */
const extension: IRenderMime.IExtension = {
  id: "perfnb:mime",
  rendererFactory: { ...createFactory(), defaultRank: 0 },
  rank: 0,
  dataType: "json",
};

export default extension;

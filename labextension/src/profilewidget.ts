/**
 * The interactive profile panel as a Lumino widget: @perfnb/views' renderPanel
 * (the one implementation shared with the anywidget panel), mounted in a cell
 * output (mime renderer) or in a main-area tab (the sidebar's "Details").
 */
import { renderPanel } from "@perfnb/views";
import type { PanelHandle, ProfileJSON } from "@perfnb/views";
import { Widget } from "@lumino/widgets";

export class ProfileWidget extends Widget {
  private handle: PanelHandle | null = null;

  constructor(profile?: ProfileJSON) {
    super();
    this.addClass("perfnb-profile");
    if (profile) this.setProfile(profile);
  }

  setProfile(profile: ProfileJSON): void {
    if (this.handle) this.handle.update(profile);
    else this.handle = renderPanel(this.node, profile);
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.handle?.dispose();
    this.handle = null;
    super.dispose();
  }
}

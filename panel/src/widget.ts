/** The anywidget entry point (bundled to perfnb/static/panel.js): traitlets ⇄ renderPanel. */
import { renderPanel } from "./panel.js";
import type { ComparisonJSON, PanelOptions, ProfileJSON, TutorialLink, VerifyState } from "./types.js";

interface Model {
  get(name: string): unknown;
  on(event: string, callback: () => void): void;
  off(event: string, callback: () => void): void;
  send(content: unknown): void;
}

function render({ model, el }: { model: Model; el: HTMLElement }): () => void {
  const options = (): PanelOptions => ({
    comparison: (model.get("comparison") as ComparisonJSON | null) || null,
    tutorials: (model.get("tutorials") as Record<string, TutorialLink>) || {},
    onVerify: model.get("can_verify") ? (s) => model.send({ type: "verify", rule: s.rule }) : undefined,
  });
  const handle = renderPanel(el, model.get("profile") as ProfileJSON, options());
  const refresh = (): void => handle.update(model.get("profile") as ProfileJSON, options());
  const verify = (): void => handle.setVerifyState(model.get("verify") as VerifyState | null);
  model.on("change:profile", refresh);
  model.on("change:comparison", refresh);
  model.on("change:verify", verify);
  return () => {
    model.off("change:profile", refresh);
    model.off("change:comparison", refresh);
    model.off("change:verify", verify);
    handle.dispose();
  };
}

export default { render };

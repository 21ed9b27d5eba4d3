/** Advice: one card per suggestion — evidence, the fix with a copy button, level, tutorial, Verify. */
import { h } from "../dom.js";
import type { PanelOptions, ProfileJSON, SuggestionJSON, TutorialLink, VerifyState } from "../types.js";

const BINDER_FALLBACK = "https://mybinder.org/";

interface PageConfig {
  baseUrl: string;
  serverRoot: string;
}

/** JupyterLab's (or Notebook 7's) page config when the panel runs inside it, else null. */
function pageConfig(): PageConfig | null {
  const config = document.getElementById("jupyter-config-data");
  if (!config?.textContent) return null;
  try {
    const data = JSON.parse(config.textContent) as { baseUrl?: string; serverRoot?: string };
    return { baseUrl: data.baseUrl ?? "/", serverRoot: data.serverRoot ?? "" };
  } catch {
    return null;
  }
}

/** The tutorial's path as JupyterLab names it (relative to the server root), when it lies under that root. */
export function labPath(link: TutorialLink | undefined, serverRoot: string): string | null {
  if (!link?.file || !serverRoot) return null;
  let root = serverRoot.replace(/\\/g, "/");
  if (root === "~" || root.startsWith("~/")) {
    if (!link.home) return null;
    root = link.home + root.slice(1);
  }
  root = root.replace(/\/+$/, "");
  return link.file.startsWith(root + "/") ? link.file.slice(root.length + 1) : null;
}

export function tutorialHref(tutorial: string, link: TutorialLink | undefined): string {
  const config = pageConfig();
  const path = config ? labPath(link, config.serverRoot) : null;
  if (config && path) {
    const anchor = tutorial.includes("#") ? tutorial.slice(tutorial.indexOf("#") + 1) : "";
    const encoded = path.split("/").map(encodeURIComponent).join("/");
    return `${config.baseUrl.replace(/\/?$/, "/")}lab/tree/${encoded}${anchor ? "#" + encodeURIComponent(anchor) : ""}`;
  }
  return link?.binder ?? (tutorial ? BINDER_FALLBACK : "");
}

async function copy(text: string, button: HTMLButtonElement, source: HTMLElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "copied";
  } catch {
    const range = document.createRange(); // no clipboard permission: select it for Ctrl+C
    range.selectNodeContents(source);
    const sel = window.getSelection();
    sel?.removeAllRanges();
    sel?.addRange(range);
    button.textContent = "selected — press Ctrl+C";
  }
  setTimeout(() => { button.textContent = "copy"; }, 1500);
}

export class AdviceView {
  readonly el: HTMLElement;
  private readonly cards = new Map<string, { card: HTMLElement; status: HTMLElement; verify: HTMLButtonElement | null }>();

  constructor(profile: ProfileJSON, private readonly options: PanelOptions) {
    this.el = h("div", { class: "pnb-advice" });
    if (!profile.suggestions.length) {
      this.el.appendChild(h("p", { class: "pnb-muted" }, "No suggestions for this cell."));
      return;
    }
    for (const s of profile.suggestions) this.el.appendChild(this.card(s));
  }

  private card(s: SuggestionJSON): HTMLElement {
    const fix = h("pre", { class: "pnb-fix" }, h("code", null, s.fix));
    const copyButton = h("button", { type: "button", class: "pnb-btn" }, "copy");
    copyButton.addEventListener("click", () => void copy(s.fix, copyButton, fix));
    const link = this.options.tutorials?.[s.tutorial];
    const tutorial = s.tutorial ? h("a", { class: "pnb-tutorial", href: tutorialHref(s.tutorial, link), target: "_blank", rel: "noopener" }, `tutorial: ${s.tutorial}`) : null;
    tutorial?.addEventListener("click", (ev) => {
      if (this.options.onOpenTutorial?.(s.tutorial, link)) ev.preventDefault();
    });
    const status = h("div", { class: "pnb-verify-status", "aria-live": "polite" }, s.verified ?? "");
    let verify: HTMLButtonElement | null = null;
    if (this.options.onVerify) {
      verify = h("button", { type: "button", class: "pnb-btn pnb-primary", title: "run the suggested change in the kernel and measure it" }, "Verify");
      verify.addEventListener("click", () => {
        verify!.disabled = true;
        status.textContent = "verifying…";
        this.options.onVerify!(s);
      });
    }
    const card = h("article", { class: "pnb-card", "data-rule": s.rule },
      h("header", null, h("span", { class: `pnb-level pnb-level-${s.level}` }, s.level), h("span", { class: "pnb-cat" }, s.category), h("b", null, s.title), s.speedup ? h("span", { class: "pnb-muted" }, ` ${s.speedup}`) : null),
      h("div", { class: "pnb-evidence" }, s.evidence),
      s.lines.length ? h("div", { class: "pnb-muted" }, `lines ${s.lines.join(", ")}`) : null,
      fix,
      h("div", { class: "pnb-actions" }, copyButton, verify, tutorial),
      status);
    this.cards.set(s.rule, { card, status, verify });
    return card;
  }

  setVerifyState(state: VerifyState | null): void {
    if (!state) return;
    const entry = this.cards.get(state.rule);
    if (!entry) return;
    entry.status.textContent = "";
    if (state.status === "running" && typeof state.progress === "number") {
      entry.status.appendChild(h("progress", { max: 1, value: state.progress }));
      entry.status.appendChild(document.createTextNode(" "));
    }
    entry.status.appendChild(document.createTextNode(state.message));
    entry.status.classList.toggle("pnb-warn", state.status === "error");
    if (entry.verify) entry.verify.disabled = state.status === "running";
  }

  focus(rule: string): void {
    const entry = this.cards.get(rule);
    entry?.card.scrollIntoView({ block: "nearest" });
    entry?.card.classList.add("pnb-flash");
  }
}

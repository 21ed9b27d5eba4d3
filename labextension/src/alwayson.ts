/**
 * Always-on mode per notebook: the sidebar's toggle runs `%perf on` / `%perf off`
 * in the notebook's kernel (silently: no execution count, no output). The state
 * is also picked up from cells the user runs (`%perf on` typed in a cell) and is
 * reset when the kernel restarts or changes, as the kernel forgets it.
 */
import type { NotebookPanel } from "@jupyterlab/notebook";
import { type ISignal, Signal } from "@lumino/signaling";

const COMMAND = /^\s*%perf\s+(on|off)\s*$/m;

export class AlwaysOn {
  private readonly state = new WeakMap<NotebookPanel, boolean>();
  private readonly watched = new WeakSet<NotebookPanel>();
  private readonly _changed = new Signal<this, NotebookPanel>(this);

  get changed(): ISignal<this, NotebookPanel> {
    return this._changed;
  }

  /** `true`/`false` when a cell's source switches always-on mode, else null. */
  static fromSource(source: string): boolean | null {
    const match = COMMAND.exec(source);
    return match ? match[1] === "on" : null;
  }

  get(panel: NotebookPanel): boolean {
    return this.state.get(panel) ?? false;
  }

  set(panel: NotebookPanel, on: boolean): void {
    if (this.get(panel) === on) return;
    this.state.set(panel, on);
    this._changed.emit(panel);
  }

  /** Forget the state when the notebook's kernel restarts or is replaced. */
  watch(panel: NotebookPanel): void {
    if (this.watched.has(panel)) return;
    this.watched.add(panel);
    const reset = (): void => this.set(panel, false);
    panel.sessionContext.kernelChanged.connect(reset, this);
    panel.sessionContext.statusChanged.connect((_, status) => {
      if (status === "restarting" || status === "autorestarting" || status === "dead") reset();
    }, this);
  }

  /** Run `%perf on|off` in the notebook's kernel; resolves once the kernel replied. */
  async request(panel: NotebookPanel, on: boolean): Promise<void> {
    await panel.sessionContext.ready;
    const kernel = panel.sessionContext.session?.kernel;
    if (!kernel) throw new Error("this notebook has no kernel");
    const future = kernel.requestExecute({ code: `%load_ext perfnb\n%perf ${on ? "on" : "off"}`, silent: true, store_history: false, stop_on_error: true });
    let error = "";
    future.onIOPub = (msg) => {
      if (msg.header.msg_type === "error") {
        const content = msg.content as { ename?: string; evalue?: string };
        error = `${content.ename ?? "Error"}: ${content.evalue ?? ""}`;
      }
    };
    const reply = await future.done;
    if (reply.content.status !== "ok" || error) throw new Error(error || `kernel replied ${reply.content.status}`);
    this.set(panel, on);
  }

  dispose(): void {
    Signal.clearData(this);
  }
}

/**
 * Gives each of many tasks its own abort signal, all linked to one `parent` signal through a
 * single listener on it.
 *
 * Why not hand `parent` itself to every task? Each task that waits on it (a timer with
 * `{ signal }`, a thread pool job) adds an abort listener, and Node checks every listener already
 * on a signal before it adds one: 10 000 tasks sharing one signal cost 10 000² / 2 checks, and
 * starting them took seconds. Here a task listens to its own signal only, and `parent` keeps
 * one listener, however many tasks run.
 */
export class ChildSignals {
  readonly #children = new Set<AbortController>();
  readonly #abortAll = () => {
    for (const child of this.#children) child.abort(this.parent.reason);
  };

  constructor(readonly parent: AbortSignal) {
    parent.addEventListener('abort', this.#abortAll, { once: true });
  }

  /**
   * Calls `task` with a signal of its own, which aborts (with `parent`'s reason) when `parent`
   * does. The signal is forgotten once the task settles, so finished tasks hold no memory. A
   * task that throws before returning its promise becomes a rejected promise too.
   */
  async run<R>(task: (signal: AbortSignal) => Promise<R>): Promise<R> {
    const child = new AbortController();
    if (this.parent.aborted) child.abort(this.parent.reason);
    this.#children.add(child);
    try {
      return await task(child.signal);
    } finally {
      this.#children.delete(child);
    }
  }

  /** Removes the listener from `parent`: call it once no task will be run any more. */
  close(): void {
    this.parent.removeEventListener('abort', this.#abortAll);
  }
}

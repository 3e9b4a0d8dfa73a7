/**
 * Gives each of many tasks its own abort signal, all aborted together: when `parent` aborts,
 * or when `abort` is called. `parent` gets a single listener, however many tasks run.
 *
 * Why not hand `parent` itself to every task? Each task that waits on it (a timer with
 * `{ signal }`, a thread pool job) adds an abort listener, and Node checks every listener already
 * on a signal before it adds one: 10 000 tasks sharing one signal cost 10 000² / 2 checks, and
 * starting them took seconds. Past 10 listeners Node also warns of a leak, and rightly so on a
 * signal that lives as long as the program. And not `AbortSignal.any([parent, …])` per task:
 * on Node 20 the parent keeps a reference to every signal made that way (nodejs/node#55351).
 */
export class ChildSignals {
  readonly #children = new Set<AbortController>();
  #abortedWith: { reason: unknown } | undefined;
  readonly #abortWithParent = () => this.abort(this.parent.reason);

  constructor(readonly parent: AbortSignal) {
    if (parent.aborted) this.abort(parent.reason);
    else parent.addEventListener('abort', this.#abortWithParent, { once: true });
  }

  /** Whether the tasks were told to stop. */
  get aborted(): boolean {
    return this.#abortedWith !== undefined;
  }

  /** Why the tasks were told to stop (`parent.reason`, or what `abort` was given). */
  get reason(): unknown {
    return this.#abortedWith?.reason;
  }

  /** Aborts the signal of every task, running or still to run, with `reason`. The first wins. */
  abort(reason: unknown): void {
    if (this.#abortedWith !== undefined) return;
    this.#abortedWith = { reason };
    for (const child of this.#children) child.abort(reason);
  }

  /**
   * Calls `task` with a signal of its own, which aborts when the others do. The signal is
   * forgotten once the task settles, so finished tasks hold no memory. A task that throws
   * before returning its promise becomes a rejected promise too.
   */
  async run<R>(task: (signal: AbortSignal) => Promise<R>): Promise<R> {
    const child = new AbortController();
    if (this.#abortedWith !== undefined) child.abort(this.#abortedWith.reason);
    this.#children.add(child);
    try {
      return await task(child.signal);
    } finally {
      this.#children.delete(child);
    }
  }

  /** Removes the listener from `parent`: call it once no task will be run any more. */
  close(): void {
    this.parent.removeEventListener('abort', this.#abortWithParent);
  }
}

import { Worker } from 'node:worker_threads';

interface Task {
  iterations: number;
  signal: AbortSignal;
  resolve(result: number): void;
  reject(reason: unknown): void;
  onAbort(): void;
}

/**
 * A fixed number of worker threads that run CPU-bound jobs in parallel with the main thread.
 * Threads start on first use and are reused for every job after that; jobs beyond `size` wait
 * for a free thread. A running computation cannot be interrupted from outside, so cancelling
 * one terminates its thread, and the pool starts a replacement at once: a thread takes tens of
 * milliseconds to start, which the next job should not have to spend inside its own deadline.
 */
export class ThreadPool {
  /** The threads that take jobs: idle or running one. A terminated thread leaves at once. */
  readonly #threads = new Set<Worker>();
  /** Every thread that has not exited yet, terminated ones included. */
  readonly #alive = new Set<Worker>();
  readonly #idle: Worker[] = [];
  readonly #running = new Map<Worker, Task>();
  readonly #waiting: Task[] = [];
  #closed = false;

  constructor(
    readonly size: number,
    readonly script: URL = new URL('./cpu-worker.js', import.meta.url),
  ) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`size must be an integer of at least 1, got ${size}`);
    }
  }

  /** Runs `iterations` of computation on a pool thread; rejects with `signal.reason` if aborted. */
  run(iterations: number, signal: AbortSignal): Promise<number> {
    if (this.#closed) return Promise.reject(new Error('the thread pool is closed'));
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const task: Task = {
        iterations,
        signal,
        resolve,
        reject,
        onAbort: () => this.#cancel(task),
      };
      signal.addEventListener('abort', task.onAbort, { once: true });
      this.#waiting.push(task);
      this.#dispatch();
    });
  }

  /** Terminates every thread (until then they keep the process alive); waiting jobs fail. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const task of this.#waiting.splice(0)) {
      this.#settle(task, () => task.reject(new Error('the thread pool closed')));
    }
    await Promise.all([...this.#alive].map((thread) => thread.terminate()));
  }

  #dispatch(): void {
    while (this.#waiting.length > 0) {
      const thread =
        this.#idle.pop() ?? (this.#threads.size < this.size ? this.#spawn() : undefined);
      if (thread === undefined) return;
      const task = this.#waiting.shift()!;
      this.#running.set(thread, task);
      thread.postMessage(task.iterations);
    }
  }

  #spawn(): Worker {
    const thread = new Worker(this.script);
    this.#threads.add(thread);
    this.#alive.add(thread);
    thread.on('message', (result: number) => {
      const task = this.#running.get(thread);
      // The job was cancelled after this result was posted: the thread is being terminated,
      // and must not go back among the idle ones.
      if (task === undefined) return;
      this.#running.delete(thread);
      this.#idle.push(thread);
      this.#settle(task, () => task.resolve(result));
      this.#dispatch();
    });
    thread.on('error', (error) =>
      this.#fail(thread, new Error('a worker thread failed', { cause: error })),
    );
    thread.on('exit', (code) => {
      this.#alive.delete(thread);
      // A thread the pool terminated has already left it, and been replaced.
      if (!this.#threads.delete(thread)) return;
      this.#fail(thread, new Error(`a worker thread exited with code ${code}`));
      const idleAt = this.#idle.indexOf(thread);
      if (idleAt >= 0) this.#idle.splice(idleAt, 1);
      if (!this.#closed) this.#dispatch();
    });
    return thread;
  }

  #fail(thread: Worker, error: Error): void {
    const task = this.#running.get(thread);
    if (task === undefined) return;
    this.#running.delete(thread);
    this.#settle(task, () => task.reject(error));
  }

  #cancel(task: Task): void {
    const waitingAt = this.#waiting.indexOf(task);
    if (waitingAt >= 0) this.#waiting.splice(waitingAt, 1);
    for (const [thread, running] of this.#running) {
      if (running === task) this.#terminate(thread);
    }
    this.#settle(task, () => task.reject(task.signal.reason));
  }

  /** Ends a thread in the middle of its job: its computation stops at once. */
  #terminate(thread: Worker): void {
    this.#running.delete(thread);
    this.#threads.delete(thread);
    void thread.terminate();
    // The replacement starts once this turn of the event loop is over: a stop cancels every
    // job in one turn and closes the pool, and needs no new thread. A job submitted meanwhile
    // starts one at once (`#dispatch`), and then this one is not needed.
    setImmediate(() => {
      if (this.#closed || this.#threads.size >= this.size) return;
      this.#idle.push(this.#spawn());
      this.#dispatch();
    });
  }

  #settle(task: Task, settle: () => void): void {
    task.signal.removeEventListener('abort', task.onAbort);
    settle();
  }
}

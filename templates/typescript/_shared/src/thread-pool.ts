import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

interface Task {
  iterations: number;
  signal: AbortSignal;
  resolve(result: number): void;
  reject(reason: unknown): void;
  onAbort(): void;
}

/**
 * A fixed number of worker threads that run CPU-bound jobs in parallel with the main thread:
 * as many as asked for, but never more than the machine has cores, since more would compute no
 * faster and cost megabytes each. `start()` brings them all online ahead of the work; otherwise
 * they start on first use. They are reused for every job after that; jobs beyond `size` wait
 * for a free thread, and a job is handed only to a thread that is online, so it never spends
 * part of its time (or its deadline) on a thread's start. A running computation cannot be
 * interrupted from outside, so cancelling one terminates its thread, and the pool starts a
 * replacement at once.
 */
export class ThreadPool {
  readonly size: number;
  /** The threads that take jobs: starting, idle or running one. A terminated one leaves at once. */
  readonly #threads = new Set<Worker>();
  /** Threads of `#threads` that are not online yet. */
  readonly #starting = new Set<Worker>();
  /** Every thread that has not exited yet, terminated ones included. */
  readonly #alive = new Set<Worker>();
  readonly #idle: Worker[] = [];
  readonly #running = new Map<Worker, Task>();
  readonly #waiting: Task[] = [];
  #closed = false;

  constructor(
    threads: number,
    readonly script: URL = new URL('./cpu-worker.js', import.meta.url),
  ) {
    if (!Number.isInteger(threads) || threads < 1) {
      throw new RangeError(`size must be an integer of at least 1, got ${threads}`);
    }
    this.size = Math.min(threads, availableParallelism());
  }

  /** Starts every thread the pool may have, and resolves once they are all online. */
  async start(): Promise<void> {
    while (this.#threads.size < this.size) this.#spawn();
    await Promise.all([...this.#starting].map((thread) => once(thread, 'online')));
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
    while (this.#waiting.length > 0 && this.#idle.length > 0) {
      const thread = this.#idle.pop()!;
      const task = this.#waiting.shift()!;
      this.#running.set(thread, task);
      thread.postMessage(task.iterations);
    }
    // The jobs left wait for the threads that are starting, and for new ones while there is room.
    while (this.#starting.size < this.#waiting.length && this.#threads.size < this.size) {
      this.#spawn();
    }
  }

  #spawn(): Worker {
    const thread = new Worker(this.script);
    this.#threads.add(thread);
    this.#starting.add(thread);
    this.#alive.add(thread);
    thread.once('online', () => {
      this.#starting.delete(thread);
      if (!this.#threads.has(thread)) return;
      this.#idle.push(thread);
      this.#dispatch();
    });
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
    thread.on('error', (error) => {
      const failure = new Error('a worker thread failed', { cause: error });
      // A thread that fails to start fails a waiting job instead, so that a thread that can
      // never start fails the jobs one by one rather than being restarted forever.
      const task = this.#starting.has(thread) ? this.#waiting.shift() : this.#running.get(thread);
      this.#running.delete(thread);
      if (task !== undefined) this.#settle(task, () => task.reject(failure));
    });
    thread.on('exit', (code) => {
      this.#alive.delete(thread);
      this.#starting.delete(thread);
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

  /** Ends a thread in the middle of its job, and starts its replacement at once. */
  #terminate(thread: Worker): void {
    this.#running.delete(thread);
    this.#threads.delete(thread);
    void thread.terminate();
    if (!this.#closed) this.#spawn();
  }

  #settle(task: Task, settle: () => void): void {
    task.signal.removeEventListener('abort', task.onAbort);
    settle();
  }
}

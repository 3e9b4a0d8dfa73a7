import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

interface Task {
  iterations: number;
  signal: AbortSignal;
  resolve(result: number): void;
  reject(reason: unknown): void;
  thread?: Worker;
}

/**
 * `size` worker threads that compute jobs (`compute` from cpu.ts) in parallel with the main
 * thread. `start()` brings them online ahead of the work, and they are reused for every job; a
 * job beyond `size` waits for a free thread. A computation cannot be interrupted, so cancelling
 * one terminates its thread, and a replacement starts at once.
 */
export class ThreadPool {
  readonly #idle: Worker[] = [];
  readonly #waiting: Task[] = [];
  readonly #alive = new Set<Worker>();
  #closed = false;

  constructor(
    readonly size: number,
    readonly script = new URL('./cpu-worker.js', import.meta.url),
  ) {
    if (!(Number.isInteger(size) && size >= 1)) {
      throw new RangeError(`size must be an integer of at least 1, got ${size}`);
    }
  }

  /** Starts every thread, and resolves once they are all online. */
  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.size }, () => this.#spawn()));
  }

  /** Runs `iterations` of computation on a thread; rejects with `signal.reason` if it aborts. */
  run(iterations: number, signal: AbortSignal): Promise<number> {
    return new Promise((resolve, reject) => {
      if (this.#closed) throw new Error('the thread pool is closed');
      signal.throwIfAborted();
      const task: Task = { iterations, signal, resolve, reject };
      const onAbort = () => {
        const waitingAt = this.#waiting.indexOf(task);
        if (waitingAt >= 0) this.#waiting.splice(waitingAt, 1);
        if (task.thread !== undefined) this.#replace(task.thread);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      task.resolve = (result) => (signal.removeEventListener('abort', onAbort), resolve(result));
      task.reject = (reason) => (signal.removeEventListener('abort', onAbort), reject(reason));
      this.#waiting.push(task);
      this.#dispatch();
    });
  }

  /** Terminates every thread (until then they keep the process alive); waiting jobs fail. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#waiting.splice(0).forEach((task) => task.reject(new Error('the thread pool closed')));
    await Promise.all([...this.#alive].map((thread) => thread.terminate()));
  }

  #dispatch(): void {
    while (this.#waiting.length > 0 && this.#idle.length > 0) {
      const task = this.#waiting.shift()!;
      const thread = this.#idle.pop()!;
      task.thread = thread;
      const onFailure = (error: unknown) => {
        this.#replace(thread);
        task.reject(new Error('a worker thread failed', { cause: error }));
      };
      thread.once('error', onFailure).once('exit', onFailure);
      thread.once('message', (result: number) => {
        thread.off('error', onFailure).off('exit', onFailure);
        this.#idle.push(thread);
        task.resolve(result);
        this.#dispatch();
      });
      thread.postMessage(task.iterations);
    }
  }

  async #spawn(): Promise<void> {
    const thread = new Worker(this.script);
    this.#alive.add(thread);
    thread.once('exit', () => this.#alive.delete(thread));
    await once(thread, 'online');
    if (this.#closed) return;
    this.#idle.push(thread);
    this.#dispatch();
  }

  /** Ends a thread in the middle of its job, and starts its replacement at once. */
  #replace(thread: Worker): void {
    thread.removeAllListeners('message').removeAllListeners('error');
    thread.removeAllListeners('exit').once('exit', () => this.#alive.delete(thread));
    void thread.terminate();
    if (!this.#closed) this.#spawn().catch((error: unknown) => this.#fail(error));
  }

  /** A thread that cannot start fails a waiting job, rather than being restarted forever. */
  #fail(error: unknown): void {
    this.#waiting.shift()?.reject(new Error('a worker thread failed to start', { cause: error }));
  }
}

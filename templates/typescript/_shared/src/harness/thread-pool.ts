import { EventEmitter, once } from 'node:events';
import { Worker } from 'node:worker_threads';

/**
 * `size` worker threads that run `compute` (cpu.ts) in parallel with the main thread. `start()`
 * brings them online ahead of the work; they are reused for every job, and a job beyond `size`
 * waits for a free one. A computation cannot be interrupted, so cancelling one terminates its
 * thread, and a replacement starts at once.
 */
export class ThreadPool {
  readonly #threads = new Set<Worker>();
  readonly #idle: Worker[] = [];
  readonly #freed = new EventEmitter().setMaxListeners(0);
  #closed = false;

  constructor(
    readonly size: number,
    readonly script = new URL('./cpu.js', import.meta.url),
  ) {
    if (!(Number.isInteger(size) && size >= 1)) {
      throw new RangeError(`size must be an integer of at least 1, got ${size}`);
    }
  }

  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.size }, () => this.#spawn()));
  }

  /** Computes `iterations` on a thread; rejects with `signal.reason` if it aborts first. */
  async run(iterations: number, signal: AbortSignal): Promise<number> {
    let thread: Worker | undefined;
    try {
      while ((thread = this.#idle.pop()) === undefined) await once(this.#freed, 'idle', { signal });
      thread.postMessage(iterations);
      const [result] = (await once(thread, 'message', { signal })) as [number];
      this.#release(thread);
      return result;
    } catch (error) {
      if (thread !== undefined) this.#replace(thread);
      throw signal.aborted ? signal.reason : error;
    }
  }

  /** Terminates every thread: until then they keep the process alive. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#threads].map((thread) => thread.terminate()));
  }

  async #spawn(): Promise<void> {
    const thread = new Worker(this.script);
    this.#threads.add(thread);
    thread.once('exit', () => this.#threads.delete(thread));
    await once(thread, 'online');
    this.#release(thread);
  }

  #release(thread: Worker): void {
    if (!this.#threads.has(thread)) return;
    this.#idle.push(thread);
    this.#freed.emit('idle');
  }

  #replace(thread: Worker): void {
    this.#threads.delete(thread);
    void thread.terminate();
    if (!this.#closed) void this.#spawn();
  }
}

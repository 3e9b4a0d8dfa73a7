// The CPU work of `--work cpu`: a pool of worker threads, each running this module, that compute
// the jobs it sends them.
import { EventEmitter, once } from 'node:events';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';

/** A fixed amount of computation; its result is returned so that the JIT cannot drop the loop. */
export function compute(iterations: number): number {
  let x = 0x9e3779b9;
  for (let i = 0; i < iterations; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x >>> 0;
}

/**
 * How many iterations of `compute` one core runs per ms, so that a job computes for `work-ms`
 * rather than spinning until a clock says so, which would hide whether jobs ran in parallel.
 * The fastest of 5 samples of 20 ms: early ones run before the JIT compiled the loop.
 */
export function calibrate(): number {
  let [iterations, best] = [10_000, 0];
  for (let samples = 0; samples < 5;) {
    const started = performance.now();
    compute(iterations);
    const elapsed = performance.now() - started;
    if (elapsed < 20) iterations *= 2;
    else [best, samples] = [Math.max(best, iterations / elapsed), samples + 1];
  }
  return Math.round(best);
}

if (!isMainThread) parentPort!.on('message', (n: number) => parentPort!.postMessage(compute(n)));

/**
 * `size` worker threads, reused for every job; a job beyond `size` waits for a free one. A
 * computation cannot be interrupted, so cancelling one terminates its thread, and a replacement
 * starts at once.
 */
export class ThreadPool {
  readonly #threads = new Set<Worker>();
  readonly #idle: Worker[] = [];
  readonly #freed = new EventEmitter().setMaxListeners(0);
  #closed = false;

  constructor(readonly size: number) {}

  /** Brings every thread online, ahead of the work. */
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
    const thread = new Worker(new URL(import.meta.url));
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
    // Nobody awaits the replacement: a failure to start it is reported, not left unhandled.
    if (!this.#closed) this.#spawn().catch((error) => console.error('thread pool:', error));
  }
}

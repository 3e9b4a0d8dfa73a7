import type { Outcome } from './outcome.js';
import { run as runPool, type Handler, type JobSource } from './worker-pool.js';

/**
 * A first-in first-out buffer of at most `capacity` jobs between a producer and its consumers.
 * `put` waits while it is full, which slows a fast producer down to the pace of its consumers
 * (backpressure). Consumers read it as an async iterable, which waits while it is empty and ends
 * once it is closed and empty: no sentinel value, however many consumers there are.
 */
export class BoundedQueue<T> implements AsyncIterable<T> {
  readonly #items: T[] = [];
  readonly #waiting = new Set<() => void>();
  #closed: { error?: { reason: unknown } } | undefined;

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) {
      throw new RangeError(`buffer must be an integer of at least 1, got ${capacity}`);
    }
  }

  /** How many jobs the buffer holds now. */
  get size(): number {
    return this.#items.length;
  }

  /** Adds `item` once there is room; rejects if `signal` aborts first, or the buffer is closed. */
  async put(item: T, signal: AbortSignal): Promise<void> {
    // A loop, not an `if`: whoever wakes first may have taken the room.
    while (this.#items.length >= this.capacity && this.#closed === undefined) {
      await this.#change(signal);
    }
    signal.throwIfAborted();
    if (this.#closed !== undefined) throw new Error('the buffer is closed');
    this.#items.push(item);
    this.#wakeAll();
  }

  /** Ends the input. Consumers take the jobs left, then end, or get `error` if one is given. */
  close(error?: { reason: unknown }): void {
    this.#closed = { error };
    this.#wakeAll();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    const never = new AbortController().signal;
    for (;;) {
      if (this.#items.length > 0) {
        const item = this.#items.shift() as T;
        this.#wakeAll(); // a producer may be waiting for this room
        yield item;
      } else if (this.#closed?.error !== undefined) {
        throw this.#closed.error.reason;
      } else if (this.#closed !== undefined) {
        return;
      } else {
        await this.#change(never);
      }
    }
  }

  #change(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      signal.throwIfAborted();
      const onAbort = () => {
        this.#waiting.delete(wake);
        reject(signal.reason);
      };
      const wake = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      this.#waiting.add(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  #wakeAll(): void {
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    waiting.forEach((wake) => wake());
  }
}

export interface PipelineOptions {
  /** How many consumers take jobs out of the buffer at once. */
  workers: number;
  /** How many jobs the buffer between the producer and the consumers holds. */
  buffer: number;
  /** Stops both sides: the producer puts nothing more, and the jobs running are cancelled. */
  signal: AbortSignal;
}

/**
 * One producer reads `jobs` and puts each into a `BoundedQueue` of `buffer` jobs; `workers`
 * consumers take them out and run `handle(job, worker, signal)`. Yields each job's `Outcome` as
 * its consumer finishes it, and ends once the producer has read the last job and the consumers
 * have finished them all. Jobs left in the buffer when `signal` aborts are never handed out.
 * Leaving the `for await` early stops both sides; the other rules are the worker pool's (see
 * `run` in `worker-pool.ts`); an error of `jobs` comes after every job put before it.
 */
export function run<J, R>(
  jobs: JobSource<J>,
  handle: Handler<J, R>,
  { workers, buffer, signal }: PipelineOptions,
): AsyncGenerator<Outcome<J, R>, void, undefined> {
  const queue = new BoundedQueue<J>(buffer);
  return pipeline(jobs, queue, runPool(queue, handle, { workers, signal }), signal);
}

async function* pipeline<J, R>(
  jobs: JobSource<J>,
  queue: BoundedQueue<J>,
  consumers: AsyncGenerator<Outcome<J, R>, void, undefined>,
  signal: AbortSignal,
): AsyncGenerator<Outcome<J, R>, void, undefined> {
  // Stops the producer when `signal` aborts or the consumers are gone.
  const producing = new AbortController();
  const stopProducing = () => producing.abort(signal.reason);
  signal.addEventListener('abort', stopProducing, { once: true });
  if (signal.aborted) stopProducing();
  // The producer is a pool of one worker whose job is to put jobs into the buffer: it reads
  // `jobs` one at a time, and a stop does not wait for a source that waits for its next job.
  const puts = runPool(jobs, (job, _worker, putSignal) => queue.put(job, putSignal), {
    workers: 1,
    signal: producing.signal,
  });
  const producer = (async () => {
    try {
      for await (const put of puts) if (!put.ok) break; // a put fails only once stopped
      queue.close();
    } catch (reason) {
      queue.close({ reason }); // `jobs` failed: consumers take what it gave, then get its error
    }
  })();
  try {
    yield* consumers;
  } finally {
    producing.abort();
    signal.removeEventListener('abort', stopProducing);
    await producer;
  }
}

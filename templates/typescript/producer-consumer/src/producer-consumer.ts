import { ChildSignals } from './signals.js';

/** Thrown by `put` on a queue that was closed: the producer has said it was done. */
export class QueueClosedError extends Error {
  override name = 'QueueClosedError';

  constructor() {
    super('the queue is closed');
  }
}

interface Waiter {
  wake(): void;
}

/**
 * A first-in first-out queue that holds at most `capacity` items. `put` waits while it is full,
 * which is what slows a fast producer down to the pace of its consumers (backpressure); `take`
 * waits while it is empty. `close` ends the input: once the queue is closed and empty, every
 * `take`, waiting or not, returns `done` (no sentinel value, however many consumers there are).
 */
export class BoundedQueue<T> {
  readonly #items: T[] = [];
  readonly #producers = new Set<Waiter>();
  readonly #consumers = new Set<Waiter>();
  #closed = false;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be an integer of at least 1, got ${capacity}`);
    }
  }

  /** How many items the queue holds now. */
  get size(): number {
    return this.#items.length;
  }

  /** Adds `item`, first waiting for room if the queue is full. */
  async put(item: T, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    while (this.#items.length >= this.capacity && !this.#closed) {
      await wait(this.#producers, signal);
    }
    if (this.#closed) throw new QueueClosedError();
    this.#items.push(item);
    wakeOne(this.#consumers);
  }

  /** Removes the oldest item, first waiting for one; `done` once the queue is closed and empty. */
  async take(signal: AbortSignal): Promise<IteratorResult<T, undefined>> {
    // Checked first, not only before a wait: after a stop, the items left are not handed out.
    signal.throwIfAborted();
    // A loop, not an `if`: another consumer may take the item between our wake-up and our turn.
    while (this.#items.length === 0) {
      if (this.#closed) return { done: true, value: undefined };
      await wait(this.#consumers, signal);
    }
    const item = this.#items.shift() as T;
    wakeOne(this.#producers);
    return { done: false, value: item };
  }

  /** Ends the input: items already in the queue are still taken, then every `take` is `done`. */
  close(): void {
    this.#closed = true;
    // Every waiting consumer, not one: each of them must see the end.
    for (const waiter of [...this.#consumers, ...this.#producers]) waiter.wake();
  }
}

/** Waits until `wakeOne` or `close` wakes it, or rejects with the reason when `signal` aborts. */
function wait(waiters: Set<Waiter>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted();
    const onAbort = () => {
      waiters.delete(waiter);
      reject(signal.reason);
    };
    const waiter: Waiter = {
      wake: () => {
        waiters.delete(waiter);
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
    };
    waiters.add(waiter);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function wakeOne(waiters: Set<Waiter>): void {
  const [first] = waiters;
  first?.wake();
}

export interface PipelineOptions<T> {
  /** How many items the buffer between the producer and the consumers holds. */
  capacity: number;
  /** How many consumers take items out at once. */
  consumers: number;
  /** Puts the items in with `put`; the buffer is closed when it returns. */
  produce(put: (item: T) => Promise<void>, signal: AbortSignal): Promise<void>;
  /** Processes one item; `consumer` is 1..`consumers`. */
  consume(item: T, consumer: number, signal: AbortSignal): Promise<void>;
  signal: AbortSignal;
}

/**
 * Runs one producer and `consumers` consumers joined by a `BoundedQueue`, and resolves once the
 * producer has finished and every consumer has processed its last item and returned. If either
 * side fails (or `signal` aborts), the other side is stopped too, and the first error (or the
 * signal's reason) is thrown once all of them have returned.
 */
export async function runPipeline<T>(options: PipelineOptions<T>): Promise<void> {
  const { capacity, consumers, produce, consume } = options;
  if (!Number.isInteger(consumers) || consumers < 1) {
    throw new RangeError(`consumers must be an integer of at least 1, got ${consumers}`);
  }
  const queue = new BoundedQueue<T>(capacity);
  // Each side gets a signal of its own, aborted when `options.signal` is, or by the first
  // failure: without that, a producer waiting on a full buffer would wait forever for
  // consumers that have died, and consumers would wait forever for a producer that has.
  const sides = new ChildSignals(options.signal);
  const stopOthersOnFailure = (error: unknown) => sides.abort(error);

  const producer = sides
    .run(async (signal) => {
      try {
        await produce((item) => queue.put(item, signal), signal);
      } finally {
        queue.close(); // in `finally`: a producer that fails must still release the consumers
      }
    })
    .catch(stopOthersOnFailure);
  const consumerRuns = Array.from({ length: consumers }, (_, index) =>
    sides
      .run(async (signal) => {
        for (let next = await queue.take(signal); !next.done; next = await queue.take(signal)) {
          await consume(next.value, index + 1, signal);
        }
      })
      .catch(stopOthersOnFailure),
  );

  try {
    await Promise.all([producer, ...consumerRuns]);
  } finally {
    sides.close();
  }
  if (sides.aborted) throw sides.reason;
}

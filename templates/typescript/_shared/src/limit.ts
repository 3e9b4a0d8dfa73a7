import { ChildSignals } from './signals.js';

export interface LimitOptions {
  /** How many calls run at once. */
  limit: number;
  /** Once it aborts, no lane takes another item; the calls in flight see it through their own. */
  signal: AbortSignal;
}

/**
 * Calls `task` for every item, at most `limit` at a time, and resolves once every call has
 * settled. The `limit` lanes pull from one shared iterator, so a lane that finishes early takes
 * the next item, and an endless iterable works as well as an array. Once `signal` aborts, no
 * lane takes another item: the items not taken stay in the iterator. The first call that fails
 * stops the lanes the same way, and its error is thrown once they have all stopped: nothing is
 * left running behind it. Each lane hands its calls a signal of its own, which aborts with
 * `signal`.
 */
export async function forEachLimited<T>(
  items: Iterable<T>,
  { limit, signal }: LimitOptions,
  task: (item: T, lane: number, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`limit must be an integer of at least 1, got ${limit}`);
  }
  const iterator = items[Symbol.iterator]();
  const lanes = new ChildSignals(signal);
  let failure: { error: unknown } | undefined;
  const lane = (id: number) =>
    lanes
      .run(async (laneSignal) => {
        // Checked before each item is taken, not after: an item taken is an item started.
        while (!signal.aborted && failure === undefined) {
          const next = iterator.next();
          if (next.done) return;
          await task(next.value, id, laneSignal);
        }
      })
      .catch((error: unknown) => {
        // Recorded, not thrown: the lanes still running must be waited for first.
        failure ??= { error };
      });
  try {
    await Promise.all(Array.from({ length: limit }, (_, index) => lane(index + 1)));
  } finally {
    lanes.close();
  }
  if (failure !== undefined) throw failure.error;
}

/**
 * Calls `task` for every item, at most `limit` at a time, and resolves once every call has
 * settled. The `limit` lanes pull from one shared iterator, so a lane that finishes early takes
 * the next item, and an endless iterable works as well as an array. The first error, if any, is
 * thrown once all lanes have stopped: nothing is left running behind it.
 */
export async function forEachLimited<T>(
  items: Iterable<T>,
  limit: number,
  task: (item: T, lane: number) => Promise<void>,
): Promise<void> {
  const iterator = items[Symbol.iterator]();
  const lane = async (id: number) => {
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
      await task(next.value, id);
    }
  };
  const lanes = await Promise.allSettled(
    Array.from({ length: limit }, (_, index) => lane(index + 1)),
  );
  for (const outcome of lanes) if (outcome.status === 'rejected') throw outcome.reason;
}

import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { forEachLimited } from './limit.js';

const timeout = 20_000;
const never = new AbortController().signal;
const range = (count: number) => Array.from({ length: count }, (_, index) => index + 1);

test('runs every item, at most `limit` at once, on every lane', { timeout }, async () => {
  let running = 0;
  let most = 0;
  const lanes = new Set<number>();
  const done: number[] = [];
  await forEachLimited(range(12), { limit: 3, signal: never }, async (item, lane) => {
    lanes.add(lane);
    most = Math.max(most, ++running);
    await sleep(5);
    running--;
    done.push(item);
  });
  assert.deepEqual(
    done.sort((a, b) => a - b),
    range(12),
  );
  assert.equal(most, 3);
  assert.deepEqual(
    [...lanes].sort((a, b) => a - b),
    [1, 2, 3],
  );
});

test('once the signal aborts, no lane takes another item', { timeout }, async () => {
  const stop = new AbortController();
  const started: number[] = [];
  const items = range(10)[Symbol.iterator]();
  const running = forEachLimited(
    items,
    { limit: 2, signal: stop.signal },
    async (item, _lane, signal) => {
      started.push(item);
      await sleep(10_000, undefined, { signal }).catch(() => {});
    },
  );
  await sleep(20);
  stop.abort(new Error('stop'));
  await running;
  assert.deepEqual(started, [1, 2], 'the two calls in flight, and no item after the stop');
  assert.deepEqual([...items], range(10).slice(2), 'no item taken out and dropped');
});

test(
  'the first error stops every lane from taking items, and is thrown once all have stopped',
  { timeout },
  async () => {
    const failure = new Error('item 1 failed');
    const started: number[] = [];
    const finished: number[] = [];
    await assert.rejects(
      forEachLimited(range(10), { limit: 2, signal: never }, async (item) => {
        started.push(item);
        if (item === 1) {
          await sleep(5);
          throw failure;
        }
        await sleep(50);
        finished.push(item);
      }),
      (error) => error === failure,
    );
    assert.deepEqual(started, [1, 2], 'no item taken after the failure');
    assert.deepEqual(finished, [2], 'the call in flight was waited for');
  },
);

test(
  'each lane hands its calls a signal of its own: the shared signal keeps one listener',
  { timeout },
  async () => {
    const stop = new AbortController();
    const most = { shared: 0, own: 0 };
    await forEachLimited(
      range(40),
      { limit: 20, signal: stop.signal },
      async (_item, _lane, signal) => {
        const sleeping = sleep(5, undefined, { signal });
        most.shared = Math.max(most.shared, getEventListeners(stop.signal, 'abort').length);
        most.own = Math.max(most.own, getEventListeners(signal, 'abort').length);
        await sleeping;
      },
    );
    assert.deepEqual(most, { shared: 1, own: 1 });
    assert.equal(getEventListeners(stop.signal, 'abort').length, 0, 'none left behind');
  },
);

test('a limit below 1 is refused', { timeout }, async () => {
  await assert.rejects(
    forEachLimited([1], { limit: 0, signal: never }, async () => {}),
    {
      name: 'RangeError',
      message: 'limit must be an integer of at least 1, got 0',
    },
  );
});

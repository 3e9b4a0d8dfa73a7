import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simulatedWork } from './work.js';

const timeout = 20_000;
const never = new AbortController().signal;
const timers = () => process.getActiveResourcesInfo().filter((name) => name === 'Timeout');

// Node runs a 0 ms timer after 1 ms at the earliest: 1000 empty jobs in a row would take 1 s.
test('--work-ms 0 sets no timer, and still yields to the event loop', { timeout }, async () => {
  const work = simulatedWork({ workMs: 0, failEvery: 0 });
  const before = timers().length;
  let yielded = false;
  setImmediate(() => (yielded = true));
  const result = work(21, never);
  assert.equal(timers().length, before, 'no timer');
  assert.equal(await result, 42);
  assert.ok(yielded, 'other callbacks ran meanwhile');
});

test('--work-ms 0 is still cancelled by its signal', { timeout }, async () => {
  const work = simulatedWork({ workMs: 0, failEvery: 0 });
  const stop = new AbortController();
  const result = work(1, stop.signal);
  stop.abort(new Error('stop'));
  await assert.rejects(result);
  assert.ok(stop.signal.aborted);
});

test('--work-ms N > 0 waits with a timer, and fails every K-th job', { timeout }, async () => {
  const work = simulatedWork({ workMs: 20, failEvery: 2 });
  const before = timers().length;
  const results = Promise.allSettled([work(1, never), work(2, never)]);
  assert.ok(timers().length > before, 'a timer');
  const [first, second] = await results;
  assert.deepEqual(first, { status: 'fulfilled', value: 2 });
  assert.equal(second?.status, 'rejected');
});

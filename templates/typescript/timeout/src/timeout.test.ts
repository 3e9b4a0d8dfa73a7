import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertNothingLeft, collect, never, range } from './testing.js';
import { call, run, TimeoutError } from './timeout.js';

const timeout = 10_000;
const slow = (job: number, signal: AbortSignal) => sleep(10_000, job, { signal });

test('a call past its deadline is rejected on time with a TimeoutError', { timeout }, async () => {
  const started = performance.now();
  await assert.rejects(call(1, slow, { timeout: 50, signal: never }), TimeoutError);
  const took = performance.now() - started;
  assert.ok(took >= 49 && took < 500, `a call of 10 s timed out after ${Math.round(took)} ms`);
});

test('the work is really cancelled: no side effect after its deadline', { timeout }, async () => {
  let sideEffect = false;
  const work = async (_job: number, signal: AbortSignal) => {
    await sleep(100, undefined, { signal });
    sideEffect = true;
  };
  await assert.rejects(call(1, work, { timeout: 20, signal: never }), TimeoutError);
  await sleep(200);
  assert.equal(sideEffect, false);
});

test(
  'a call that meets its deadline returns its result, and leaves nothing',
  { timeout },
  async () => {
    const before = process.getActiveResourcesInfo();
    assert.equal(await call(21, (job) => sleep(10, job * 2), { timeout: 1000, signal: never }), 42);
    await assertNothingLeft(before); // the deadline's timer is cleared, not left to fire
  },
);

test('a result that comes after the deadline still missed it', { timeout }, async () => {
  const deaf = (job: number) => sleep(60, job); // ignores its signal
  await assert.rejects(call(1, deaf, { timeout: 20, signal: never }), TimeoutError);
});

test(
  "a caller's cancel is not a timeout: the call rejects with the handler's error",
  { timeout },
  async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error('stopped')), 10);
    await assert.rejects(call(1, slow, { timeout: 5000, signal: stop.signal }), {
      name: 'AbortError',
    });
  },
);

test('run gives every job its own deadline, at most `workers` at once', { timeout }, async () => {
  const before = process.getActiveResourcesInfo();
  let running = 0;
  let most = 0;
  const handle = async (job: number, _worker: number, signal: AbortSignal) => {
    most = Math.max(most, ++running);
    try {
      return await sleep(job % 2 === 0 ? 10_000 : 10, job, { signal });
    } finally {
      running--;
    }
  };
  const outcomes = await collect(run(range(6), handle, { workers: 2, timeout: 50, signal: never }));
  assert.equal(most, 2);
  for (const outcome of outcomes) {
    if (outcome.job % 2 === 0) assert.ok(!outcome.ok && outcome.error instanceof TimeoutError);
    else assert.deepEqual(outcome, { job: outcome.job, ok: true, value: outcome.job });
  }
  await assertNothingLeft(before);
});

test('a deadline that is not a whole number of ms from 1 up is refused', () => {
  for (const bad of [0, -1, 1.5, 2 ** 31]) {
    assert.throws(
      () => run([1], async (job) => job, { workers: 1, timeout: bad, signal: never }),
      RangeError,
    );
  }
});

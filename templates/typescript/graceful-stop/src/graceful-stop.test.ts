import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DrainTimeoutError, run } from './graceful-stop.js';
import { assertNothingLeft, collect, endless, never, quiet } from './testing.js';

const timeout = 10_000;

test(
  'a stop ends intake and lets the jobs in flight finish; nothing is left',
  { timeout },
  async () => {
    const before = process.getActiveResourcesInfo();
    const stop = new AbortController();
    const options = { workers: 3, drain: 5000, signal: stop.signal };
    const outcomes = await collect(
      run(
        endless(),
        (job, _worker, signal) => {
          if (job === 3) stop.abort(); // with three jobs in flight
          return sleep(50, job, { signal });
        },
        options,
      ),
    );
    // Each ran to its end: none was cancelled, and no fourth one was taken.
    assert.deepEqual(
      outcomes.sort((a, b) => a.job - b.job),
      [1, 2, 3].map((job) => ({ job, ok: true, value: job })),
    );
    await assertNothingLeft(before); // the drain clock too
  },
);

test('the drain time cancels the jobs still running', { timeout }, async () => {
  const stop = new AbortController();
  const handle = async (job: number, _worker: number, signal: AbortSignal) => {
    if (job === 2) setTimeout(() => stop.abort(), 10);
    return sleep(job === 1 ? 20 : 60_000, job, { signal });
  };
  const started = performance.now();
  const outcomes = [];
  for await (const outcome of run(endless(), handle, {
    workers: 2,
    drain: 100,
    signal: stop.signal,
  })) {
    outcomes.push(outcome);
  }
  const took = performance.now() - started;
  assert.ok(took < 1500, `a job of 60 s stopped after ${Math.round(took)} ms`);
  assert.deepEqual(outcomes[0], { job: 1, ok: true, value: 1 });
  const stuck = outcomes[1];
  assert.ok(stuck?.job === 2 && !stuck.ok);
  assert.ok((stuck.error as Error).cause instanceof DrainTimeoutError);
});

test('a stop wakes the workers waiting for a job that does not come', { timeout }, async () => {
  const stop = new AbortController();
  // 50 ms after job 1 started, while the workers wait: not after the run began, which on a loaded
  // machine may come before job 1 is read.
  const handle = async (job: number) => {
    setTimeout(() => stop.abort(), 50);
    return job;
  };
  const outcomes = await collect(
    run(quiet(1), handle, { workers: 3, drain: 5000, signal: stop.signal }),
  );
  assert.deepEqual(outcomes, [{ job: 1, ok: true, value: 1 }]);
});

test('a failing job is an outcome, and the service goes on', { timeout }, async () => {
  const failure = new Error('job 2 failed');
  const handle = async (job: number) => {
    if (job === 2) throw failure;
    return job;
  };
  const outcomes = [];
  for await (const outcome of run(endless(), handle, { workers: 2, drain: 0, signal: never })) {
    outcomes.push(outcome);
    if (outcomes.length === 5) break;
  }
  assert.deepEqual(
    outcomes.find((outcome) => outcome.job === 2),
    { job: 2, ok: false, error: failure },
  );
  assert.equal(outcomes.filter((outcome) => outcome.ok).length, 4);
});

test(
  'an endless run holds memory for the jobs in flight, not the jobs finished',
  { timeout: 30_000 },
  async () => {
    const stop = new AbortController();
    let served = 0;
    let retainedAt10k = 0;
    for await (const _ of run(endless(), async (job) => job, {
      workers: 4,
      drain: 0,
      signal: stop.signal,
    })) {
      if (++served === 10_000) retainedAt10k = retainedHeapMb();
      if (served === 60_000) stop.abort();
    }
    const growth = retainedHeapMb() - retainedAt10k;
    assert.ok(growth < 2, `the heap kept ${growth.toFixed(1)} MB more over 50 000 jobs`);
  },
);

/** Megabytes of heap still in use after a full garbage collection. */
function retainedHeapMb(): number {
  setFlagsFromString('--expose-gc'); // gives `gc` to the contexts made from now on
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

test('a negative drain time or fewer than one worker is refused at once', () => {
  const handle = async (job: number) => job;
  assert.throws(() => run(endless(), handle, { workers: 1, drain: -1, signal: never }), {
    name: 'RangeError',
  });
  assert.throws(() => run(endless(), handle, { workers: 0, drain: 0, signal: never }), {
    message: 'workers must be an integer of at least 1, got 0',
  });
});

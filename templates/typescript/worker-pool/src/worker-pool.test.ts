import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertNothingLeft, checkInvariants, only, run, runUntil } from './testing.js';
import { runPool } from './worker-pool.js';

const timeout = 20_000;
const never = new AbortController().signal;
const range = (count: number) => Array.from({ length: count }, (_, index) => index + 1);

test('every job gets its own result, in input order', { timeout }, async () => {
  const before = process.getActiveResourcesInfo();
  const jobs = range(20);
  const outcomes = await runPool(jobs, { workers: 4, signal: never }, async (job) => {
    await sleep((job * 7) % 5); // finish out of order
    return job * 2;
  });
  assert.deepEqual(
    outcomes,
    jobs.map((job) => ({ status: 'fulfilled', value: job * 2 })),
  );
  await assertNothingLeft(before);
});

for (const workers of [1, 2, 3, 8]) {
  test(
    `no more than ${workers} jobs run at once, and all ${workers} are used`,
    { timeout },
    async () => {
      let running = 0;
      let most = 0;
      const workersSeen = new Set<number>();
      await runPool(range(12), { workers, signal: never }, async (_job, worker) => {
        workersSeen.add(worker);
        most = Math.max(most, ++running);
        await sleep(5);
        running--;
      });
      assert.equal(most, workers);
      assert.deepEqual(
        [...workersSeen].sort((a, b) => a - b),
        range(workers),
      );
    },
  );
}

test(
  'a failing job and a throwing job neither hang the pool nor hide their errors',
  { timeout },
  async () => {
    const rejected = new Error('rejected');
    const thrown = new Error('thrown');
    const outcomes = await runPool(range(6), { workers: 2, signal: never }, (job) => {
      // Not `async`: job 4 throws before any promise exists, the way a bug in a handler does.
      if (job === 4) throw thrown;
      if (job === 2) return Promise.reject(rejected);
      return sleep(5, job);
    });
    assert.deepEqual(outcomes, [
      { status: 'fulfilled', value: 1 },
      { status: 'rejected', reason: rejected },
      { status: 'fulfilled', value: 3 },
      { status: 'rejected', reason: thrown },
      { status: 'fulfilled', value: 5 },
      { status: 'fulfilled', value: 6 },
    ]);
  },
);

test(
  'stopping the pool cancels running jobs, starts no new ones, and leaves nothing',
  { timeout },
  async () => {
    const before = process.getActiveResourcesInfo();
    const stop = new AbortController();
    const started: number[] = [];
    const reason = new Error('stopped');
    const pool = runPool(
      range(10),
      { workers: 3, signal: stop.signal },
      async (job, _worker, signal) => {
        started.push(job);
        await sleep(10_000, undefined, { signal });
        return job;
      },
    );
    await sleep(20);
    stop.abort(reason);
    const outcomes = await pool;
    assert.deepEqual(started, [1, 2, 3]);
    assert.equal(outcomes.length, 10);
    assert.ok(outcomes.every((outcome) => outcome.status === 'rejected'));
    assert.ok(
      outcomes
        .slice(3)
        .every((outcome) => outcome.status === 'rejected' && outcome.reason === reason),
    );
    await assertNothingLeft(before);
  },
);

test(
  'each worker hands its jobs a signal of its own: the shared signal keeps one listener',
  { timeout },
  async () => {
    const stop = new AbortController();
    let most = 0;
    await runPool(
      range(40),
      { workers: 20, signal: stop.signal },
      async (_job, _worker, signal) => {
        const sleeping = sleep(5, undefined, { signal });
        most = Math.max(most, getEventListeners(stop.signal, 'abort').length);
        await sleeping;
      },
    );
    assert.equal(most, 1);
    assert.equal(getEventListeners(stop.signal, 'abort').length, 0, 'none left behind');
  },
);

test('fewer than one worker is refused', { timeout }, async () => {
  await assert.rejects(
    runPool([1, 2], { workers: 0, signal: never }, async (job) => job),
    { name: 'RangeError', message: 'workers must be an integer of at least 1, got 0' },
  );
});

test('the program runs every job on at most --workers workers', { timeout }, async () => {
  const exit = await run(['--json', '--jobs', '9', '--workers', '3', '--work-ms', '30']);
  assert.equal(exit.code, 0, exit.stderr);
  const summary = checkInvariants(exit.events, 3);
  assert.equal(summary.completed, 9);
  assert.equal(summary.max_concurrency, 3);
  assert.deepEqual(
    only(exit.events, 'done')
      .map((event) => [event.job, event.result])
      .sort((a, b) => a[0]! - b[0]!),
    range(9).map((job) => [job, job * 2]),
  );
  assert.ok(only(exit.events, 'start').every((event) => event.worker! >= 1 && event.worker! <= 3));
});

test('the program reports failures and exits 1', { timeout }, async () => {
  const exit = await run([
    '--json',
    '--jobs',
    '6',
    '--workers',
    '2',
    '--work-ms',
    '10',
    '--fail-every',
    '3',
  ]);
  assert.equal(exit.code, 1);
  const summary = checkInvariants(exit.events, 2);
  assert.deepEqual([summary.completed, summary.failed], [4, 2]);
});

test('--jobs 0 runs nothing and exits 0', { timeout }, async () => {
  const exit = await run(['--json', '--jobs', '0']);
  assert.equal(exit.code, 0);
  assert.deepEqual(exit.events.length, 1);
  assert.equal(checkInvariants(exit.events, 3).submitted, 0);
});

test('the program runs CPU jobs on worker threads', { timeout }, async () => {
  const exit = await run([
    '--json',
    '--work',
    'cpu',
    '--jobs',
    '4',
    '--workers',
    '2',
    '--work-ms',
    '50',
  ]);
  assert.equal(exit.code, 0, exit.stderr);
  assert.equal(checkInvariants(exit.events, 2).completed, 4);
});

for (const work of ['io', 'cpu']) {
  test(
    `SIGINT to the process group cancels the run (${work}) and exits 130`,
    { timeout },
    async () => {
      const exit = await runUntil(
        ['--json', '--work', work, '--jobs', '6', '--work-ms', '10000'],
        (event) => event.event === 'start' && event.job === 3,
      );
      assert.equal(exit.code, 130);
      const summary = checkInvariants(exit.events, 3);
      assert.deepEqual([summary.submitted, summary.cancelled], [6, 6]);
      const cancelled = only(exit.events, 'cancel');
      assert.deepEqual(
        cancelled.map((event) => event.worker !== undefined),
        [true, true, true, false, false, false],
      );
    },
  );
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from './fan-out.js';
import { assertNothingLeft, collect, never, range } from './testing.js';

const timeout = 10_000;

test('every task is started at once and every result is gathered', { timeout }, async () => {
  let running = 0;
  let most = 0;
  // Each task waits for all 30 to be running, not for a fixed 50 ms: the tasks may be started
  // across turns of the event loop, and on a loaded machine the first could end before the last
  // starts. A limit on the tasks running would leave them waiting: the test's timeout fails it.
  let lastStarted!: () => void;
  const allRunning = new Promise<void>((resolve) => (lastStarted = resolve));
  const handle = async (job: number) => {
    most = Math.max(most, ++running);
    if (running === 30) lastStarted();
    await allRunning;
    running--;
    return job * 2;
  };
  const outcomes = await collect(run(range(30), handle, { signal: never }));
  assert.equal(most, 30);
  assert.deepEqual(
    outcomes.sort((a, b) => a.job - b.job),
    range(30).map((job) => ({ job, ok: true, value: job * 2 })),
  );
});

test('the tasks overlap: the whole takes about one task, not the sum', { timeout }, async () => {
  const started = performance.now();
  await collect(run(range(20), (job) => sleep(100, job), { signal: never }));
  const took = performance.now() - started;
  assert.ok(
    took < 1000,
    `20 tasks of 100 ms (2000 ms one after another) took ${Math.round(took)} ms`,
  );
});

test('results come back as tasks finish, not in the order they started', { timeout }, async () => {
  const outcomes = await collect(run([60, 1, 30], (ms) => sleep(ms, ms), { signal: never }));
  assert.deepEqual(
    outcomes.map((outcome) => outcome.job),
    [1, 30, 60],
  );
});

test("a failing task's error is reported and the others are not lost", { timeout }, async () => {
  const failure = new Error('task 2 failed');
  const handle = async (job: number) => {
    if (job === 2) throw failure;
    return sleep(10, job);
  };
  const outcomes = await collect(run(range(4), handle, { signal: never }));
  assert.deepEqual(
    outcomes.sort((a, b) => a.job - b.job),
    [
      { job: 1, ok: true, value: 1 },
      { job: 2, ok: false, error: failure },
      { job: 3, ok: true, value: 3 },
      { job: 4, ok: true, value: 4 },
    ],
  );
});

test('tasks start as an async source gives their jobs, before it ends', { timeout }, async () => {
  const started: number[] = [];
  async function* arriving() {
    for (const job of range(3)) {
      await sleep(20);
      yield job;
    }
    assert.deepEqual(started, [1, 2, 3], 'every task started before the source ended');
  }
  const handle = async (job: number) => {
    started.push(job);
    await sleep(200);
  };
  assert.equal((await collect(run(arriving(), handle, { signal: never }))).length, 3);
});

test('a stop cancels every task running, and nothing is left running', { timeout }, async () => {
  const before = process.getActiveResourcesInfo();
  const stop = new AbortController();
  // 20 ms after the last task started, not after the run began: on a loaded machine a timer may
  // fire while the tasks are being started.
  const handle = (job: number, signal: AbortSignal) => {
    if (job === 5) setTimeout(() => stop.abort(), 20);
    return sleep(10_000, job, { signal });
  };
  const outcomes = await collect(run(range(5), handle, { signal: stop.signal }));
  assert.deepEqual(
    outcomes.map((outcome) => outcome.ok),
    [false, false, false, false, false],
  );
  await assertNothingLeft(before);
});

test('leaving the loop at the first result cancels the other tasks', { timeout }, async () => {
  const before = process.getActiveResourcesInfo();
  let settled = 0;
  // Task 1 ends once task 5 has started, not after 1 ms: the tasks may be started across turns of
  // the event loop, and on a loaded machine a timer of task 1 could fire before task 5 starts.
  let lastStarted!: () => void;
  const allStarted = new Promise<void>((resolve) => (lastStarted = resolve));
  const handle = async (job: number, signal: AbortSignal) => {
    if (job === 5) lastStarted();
    try {
      await (job === 1 ? allStarted : sleep(10_000, undefined, { signal }));
    } finally {
      settled++;
    }
  };
  for await (const first of run(range(5), handle, { signal: never })) {
    assert.equal(first.job, 1);
    break;
  }
  assert.equal(settled, 5);
  await assertNothingLeft(before);
});

import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fanOut, type Task } from './fan-out.js';
import { assertNothingLeft, checkInvariants, only, Program, run, runUntil } from './testing.js';

const timeout = 20_000;
const never = new AbortController().signal;

test('collects every result, in the order of the tasks', { timeout }, async () => {
  const before = process.getActiveResourcesInfo();
  const tasks = [30, 10, 20].map((ms) => (signal: AbortSignal) => sleep(ms, ms * 2, { signal }));
  assert.deepEqual(await fanOut(tasks, never), [
    { status: 'fulfilled', value: 60 },
    { status: 'fulfilled', value: 20 },
    { status: 'fulfilled', value: 40 },
  ]);
  await assertNothingLeft(before);
});

test('tasks overlap: the wall time is about one task, not the sum', { timeout }, async () => {
  const tasks = Array.from(
    { length: 10 },
    () => (signal: AbortSignal) => sleep(200, 'ok', { signal }),
  );
  const started = performance.now();
  await fanOut(tasks, never);
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 1000, `${elapsed} ms for 10 tasks of 200 ms: they did not overlap`);
});

test('a failing task is reported and the others are not lost', { timeout }, async () => {
  const failure = new Error('task 2 failed');
  const thrown = new Error('task 3 threw');
  const tasks: Task<string>[] = [
    (signal) => sleep(50, 'slow', { signal }),
    () => Promise.reject(failure),
    () => {
      throw thrown; // before returning a promise, as a bug would
    },
    (signal) => sleep(10, 'fast', { signal }),
  ];
  assert.deepEqual(await fanOut(tasks, never), [
    { status: 'fulfilled', value: 'slow' },
    { status: 'rejected', reason: failure },
    { status: 'rejected', reason: thrown },
    { status: 'fulfilled', value: 'fast' },
  ]);
});

test(
  'nothing is left running after the join, even after an early failure',
  { timeout },
  async () => {
    const before = process.getActiveResourcesInfo();
    const finished: string[] = [];
    const tasks: Task<void>[] = [
      async () => {
        throw new Error('fails at once');
      },
      async (signal) => {
        await sleep(100, undefined, { signal });
        finished.push('slow');
      },
    ];
    await fanOut(tasks, never);
    assert.deepEqual(finished, ['slow'], 'the join waited for the slow task');
    await assertNothingLeft(before);
  },
);

test('aborting the signal stops every task', { timeout }, async () => {
  const before = process.getActiveResourcesInfo();
  const stop = new AbortController();
  const tasks = Array.from(
    { length: 3 },
    () => (signal: AbortSignal) => sleep(10_000, 'late', { signal }),
  );
  setTimeout(() => stop.abort(new Error('stop')), 20);
  const outcomes = await fanOut(tasks, stop.signal);
  assert.ok(outcomes.every((outcome) => outcome.status === 'rejected'));
  await assertNothingLeft(before);
});

test('2000 tasks add one listener to the shared signal', { timeout }, async () => {
  const stop = new AbortController();
  const listeners = () => getEventListeners(stop.signal, 'abort').length;
  const tasks = Array.from(
    { length: 2000 },
    () => (signal: AbortSignal) => sleep(10, 'ok', { signal }),
  );
  const outcomes = fanOut(tasks, stop.signal);
  // Each task listens to a signal of its own: 2000 listeners on one signal would make adding
  // each of them slower than the last.
  assert.equal(listeners(), 1);
  assert.equal((await outcomes).length, 2000);
  assert.equal(listeners(), 0, 'and none is left behind');
});

test('the program starts every job at once and reports each result', { timeout }, async () => {
  const exit = await run(['--json', '--jobs', '6', '--work-ms', '300']);
  assert.equal(exit.code, 0, exit.stderr);
  const summary = checkInvariants(exit.events, 6);
  assert.equal(summary.max_concurrency, 6);
  assert.deepEqual(
    only(exit.events, 'done')
      .map((event) => [event.job, event.result])
      .sort((a, b) => a[0]! - b[0]!),
    [1, 2, 3, 4, 5, 6].map((job) => [job, job * 2]),
  );
  const starts = only(exit.events, 'start');
  const firstDone = only(exit.events, 'done')[0]!;
  assert.ok(
    starts.every((start) => start.t_ms < firstDone.t_ms),
    'all started before any ended',
  );
  assert.ok(
    starts.every((start) => start.worker === undefined),
    'no worker in a fan-out',
  );
});

test('the program reports a failing job, keeps the others, and exits 1', { timeout }, async () => {
  const exit = await run(['--json', '--jobs', '5', '--work-ms', '50', '--fail-every', '5']);
  assert.equal(exit.code, 1);
  const summary = checkInvariants(exit.events, 5);
  assert.deepEqual([summary.completed, summary.failed], [4, 1]);
  assert.equal(only(exit.events, 'fail')[0]?.job, 5);
});

test('the program fans CPU jobs out to worker threads', { timeout }, async () => {
  const exit = await run(['--json', '--work', 'cpu', '--jobs', '3', '--work-ms', '50']);
  assert.equal(exit.code, 0, exit.stderr);
  assert.equal(checkInvariants(exit.events, 3).completed, 3);
});

/** The most threads the program's process had at once while fanning out `jobs` CPU tasks. */
async function peakThreads(jobs: number): Promise<number> {
  const program = new Program(['--json', '--work', 'cpu', '--jobs', `${jobs}`, '--work-ms', '100']);
  let peak = 0;
  const sample = () => {
    const status = readFileSync(`/proc/${program.pid}/status`, 'utf8');
    peak = Math.max(peak, Number(/^Threads:\s+(\d+)/m.exec(status)?.[1]));
  };
  const sampler = setInterval(() => {
    try {
      sample();
    } catch {
      // The process has just exited.
    }
  }, 5);
  try {
    const exit = await program.exited;
    assert.equal(exit.code, 0, exit.stderr);
    assert.equal(checkInvariants(exit.events, jobs).completed, jobs);
  } finally {
    clearInterval(sampler);
    program.kill();
  }
  return peak;
}

test(
  'the program computes CPU tasks on no more worker threads than there are cores',
  { timeout, skip: process.platform !== 'linux' && 'counts threads in /proc' },
  async () => {
    const oneTask = await peakThreads(1);
    const manyTasks = await peakThreads(40);
    const cores = availableParallelism();
    assert.ok(
      manyTasks - oneTask <= cores + 1,
      `${manyTasks} threads for 40 tasks, ${oneTask} for one, on ${cores} cores`,
    );
  },
);

test('--jobs 0 runs nothing and exits 0', { timeout }, async () => {
  const exit = await run(['--json', '--jobs', '0']);
  assert.equal(exit.code, 0);
  assert.equal(checkInvariants(exit.events, 0).submitted, 0);
});

for (const work of ['io', 'cpu']) {
  test(
    `SIGINT to the process group cancels every job (${work}) and exits 130`,
    { timeout },
    async () => {
      const exit = await runUntil(
        ['--json', '--work', work, '--jobs', '3', '--work-ms', '10000'],
        (event) => event.event === 'start' && event.job === 3,
      );
      assert.equal(exit.code, 130);
      assert.equal(checkInvariants(exit.events, 3).cancelled, 3);
    },
  );
}

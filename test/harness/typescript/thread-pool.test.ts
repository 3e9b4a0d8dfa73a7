import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Worker } from 'node:worker_threads';
import { calibrate, compute } from './cpu.js';
import { assertNothingLeft } from '../testing.js';
import { ThreadPool } from './thread-pool.js';

const timeout = 20_000;
const never = new AbortController().signal;
const threads = () => process.getActiveResourcesInfo().filter((name) => name === 'MessagePort');

/** Keeps the main thread busy for `ms`, so that nothing else runs on it meanwhile. */
function blockMainThread(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

test('runs the computation on its threads and closes them all', { timeout }, async () => {
  const before = process.getActiveResourcesInfo();
  const pool = new ThreadPool(2);
  await pool.start();
  const results = await Promise.all([1, 2, 3, 4, 5].map((n) => pool.run(n * 1000, never)));
  assert.deepEqual(
    results,
    [1, 2, 3, 4, 5].map((n) => compute(n * 1000)),
  );
  await pool.close();
  await assertNothingLeft(before);
});

test('never starts more threads than its size', { timeout }, async () => {
  const baseline = threads().length;
  const pool = new ThreadPool(2);
  await pool.start();
  const runs = Array.from({ length: 6 }, () => pool.run(200_000, never));
  let most = 0;
  for (const done of runs) {
    most = Math.max(most, threads().length - baseline);
    await done;
  }
  await pool.close();
  assert.ok(most >= 1 && most <= 2, `${most} threads`);
});

// How much faster two threads are than one is for `npm run bench` to show: a timing assertion
// would fail on a machine busy with other work. What must hold on any machine is that the
// computation runs off the main thread, so that the event loop stays free meanwhile.
test(
  'computes off the main thread: the event loop keeps running meanwhile',
  { timeout },
  async () => {
    const pool = new ThreadPool(2);
    await pool.start();
    const iterations = calibrate() * 300;
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    try {
      await Promise.all([pool.run(iterations, never), pool.run(iterations, never)]);
    } finally {
      clearInterval(ticker);
      await pool.close();
    }
    assert.ok(ticks >= 5, `only ${ticks} ticks of 10 ms during about 300 ms of computation`);
  },
);

test(
  'cancelling a running job terminates its thread at once; the pool goes on',
  { timeout },
  async () => {
    const before = process.getActiveResourcesInfo();
    const pool = new ThreadPool(1);
    await pool.start();
    const cancel = new AbortController();
    const endless = pool.run(Number.MAX_SAFE_INTEGER, cancel.signal);
    const waiting = pool.run(1000, cancel.signal);
    setTimeout(() => cancel.abort(new Error('stop')), 50);
    await assert.rejects(endless, { message: 'stop' });
    await assert.rejects(waiting, { message: 'stop' });
    assert.equal(await pool.run(1000, never), compute(1000));
    await pool.close();
    await assertNothingLeft(before);
  },
);

test(
  'a result that loses the race with its cancellation does not hand the next job a dying thread',
  { timeout },
  async () => {
    const before = process.getActiveResourcesInfo();
    const pool = new ThreadPool(1);
    await pool.start();
    const cancel = new AbortController();
    const cancelled = pool.run(1000, cancel.signal);
    // The thread computes and posts its result while the main thread is busy, so the result
    // is waiting, unread, when the job is cancelled and its thread terminated.
    blockMainThread(300);
    cancel.abort(new Error('stop'));
    await assert.rejects(cancelled, { message: 'stop' });
    assert.equal(await pool.run(2000, never), compute(2000), 'the next job gets a live thread');
    await pool.close();
    await assertNothingLeft(before);
  },
);

test(
  "a cancelled job's thread is replaced at once, so the next job finds a thread already up",
  { timeout },
  async () => {
    const started: Promise<unknown>[] = [];
    const onThread = (thread: Worker) => started.push(once(thread, 'exit'));
    process.on('worker', onThread);
    const pool = new ThreadPool(1);
    try {
      await pool.start(); // so that the job below is running, not waiting, when cancelled
      const cancel = new AbortController();
      const endless = pool.run(Number.MAX_SAFE_INTEGER, cancel.signal);
      await sleep(50);
      cancel.abort(new Error('stop'));
      await assert.rejects(endless, { message: 'stop' });
      await started[0]; // the terminated thread is gone
      assert.equal(started.length, 2, 'a new thread started, before any job needs it');
    } finally {
      process.off('worker', onThread);
      await pool.close();
    }
  },
);

/** Records, for every message the main thread posts to a pool thread, whether it was online. */
function watchDispatches(): { postedToOnline: boolean[]; threads: Worker[]; stop(): void } {
  const postedToOnline: boolean[] = [];
  const threads: Worker[] = [];
  const onThread = (thread: Worker) => {
    threads.push(thread);
    let online = false;
    // Before the pool's own listener, which may post a job to the thread at once.
    thread.prependOnceListener('online', () => (online = true));
    const post = thread.postMessage.bind(thread);
    thread.postMessage = (message: unknown) => {
      postedToOnline.push(online);
      post(message);
    };
  };
  process.on('worker', onThread);
  return { postedToOnline, threads, stop: () => process.off('worker', onThread) };
}

test('start() brings every thread online before the first job', { timeout }, async () => {
  const watch = watchDispatches();
  const pool = new ThreadPool(2);
  try {
    await pool.start();
    assert.deepEqual(await Promise.all([pool.run(1000, never), pool.run(2000, never)]), [
      compute(1000),
      compute(2000),
    ]);
    assert.deepEqual(watch.postedToOnline, [true, true]);
    assert.equal(watch.threads.length, 2);
  } finally {
    watch.stop();
    await pool.close();
  }
});

test(
  'the job right after a cancellation waits for the replacement thread to be online',
  { timeout },
  async () => {
    const watch = watchDispatches();
    const pool = new ThreadPool(1);
    try {
      await pool.start();
      const cancel = new AbortController();
      const endless = pool.run(Number.MAX_SAFE_INTEGER, cancel.signal);
      await sleep(20);
      cancel.abort(new Error('stop'));
      const next = pool.run(1000, never); // in the same turn as the cancellation
      await assert.rejects(endless, { message: 'stop' });
      assert.equal(await next, compute(1000));
      assert.deepEqual(watch.postedToOnline, [true, true], 'each job went to an online thread');
      assert.equal(watch.threads.length, 2, 'one replacement, not one per job');
    } finally {
      watch.stop();
      await pool.close();
    }
  },
);

test('a pool of fewer than one thread is refused', () => {
  assert.throws(() => new ThreadPool(0), {
    name: 'RangeError',
    message: 'size must be an integer of at least 1, got 0',
  });
});

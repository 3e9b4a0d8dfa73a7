import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertNothingLeft, collect, endless, never, quiet, range } from './testing.js';
import { run } from './worker-pool.js';

const timeout = 10_000;

test('every job gets its own result, whatever order they finish in', { timeout }, async () => {
  const outcomes = await collect(
    run(range(20), async (job) => sleep((job * 7) % 5, job * 2), { workers: 4, signal: never }),
  );
  assert.deepEqual(
    outcomes.sort((a, b) => a.job - b.job),
    range(20).map((job) => ({ job, ok: true, value: job * 2 })),
  );
});

for (const workers of [1, 2, 3, 8]) {
  test(
    `no more than ${workers} jobs run at once, and all ${workers} are used`,
    { timeout },
    async () => {
      let running = 0;
      let most = 0;
      const used = new Set<number>();
      const handle = async (_job: number, worker: number) => {
        used.add(worker);
        most = Math.max(most, ++running);
        await sleep(5);
        running--;
      };
      await collect(run(range(12), handle, { workers, signal: never }));
      assert.equal(most, workers);
      assert.deepEqual(
        [...used].sort((a, b) => a - b),
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
    // Not `async`: job 4 throws before any promise exists, the way a bug in a handler does.
    const handle = (job: number) => {
      if (job === 4) throw thrown;
      return job === 2 ? Promise.reject(rejected) : sleep(5, job);
    };
    const outcomes = await collect(run(range(6), handle, { workers: 2, signal: never }));
    assert.deepEqual(
      outcomes.sort((a, b) => a.job - b.job),
      [
        { job: 1, ok: true, value: 1 },
        { job: 2, ok: false, error: rejected },
        { job: 3, ok: true, value: 3 },
        { job: 4, ok: false, error: thrown },
        { job: 5, ok: true, value: 5 },
        { job: 6, ok: true, value: 6 },
      ],
    );
  },
);

test(
  'an endless source is read only as outcomes are taken: a slow loop holds it back',
  { timeout },
  async () => {
    let read = 0;
    let closed = false;
    function* watched() {
      try {
        for (;;) yield ++read;
      } finally {
        closed = true;
      }
    }
    let taken = 0;
    for await (const outcome of run(watched(), async (job) => job, { workers: 3, signal: never })) {
      assert.ok(outcome.ok);
      await sleep(1); // a slow consumer
      assert.ok(read <= ++taken + 3, `${read} jobs read, ${taken} outcomes taken`);
      if (taken === 50) break;
    }
    assert.ok(closed, 'leaving the loop closes the source');
  },
);

async function* endlessAsync() {
  yield* endless();
}

for (const [stopper, jobs, stopIn] of [
  ['a timer', endless, (stop: () => void) => setTimeout(stop, 50)],
  [
    'a signal',
    endlessAsync,
    (stop: () => void) => {
      process.once('SIGUSR2', stop);
      setTimeout(() => process.kill(process.pid, 'SIGUSR2'), 50);
    },
  ],
] as const) {
  test(`${stopper} stops an endless run of instant jobs`, { timeout }, async () => {
    // Nothing here waits for I/O: unless the pool gives the event loop a turn now and then, the
    // timer or the signal never runs, and the loop never ends.
    const stop = new AbortController();
    stopIn(() => stop.abort());
    const outcomes = run(jobs(), async (job: number) => job, { workers: 4, signal: stop.signal });
    let taken = 0;
    for await (const _ of outcomes) taken++;
    assert.ok(taken > 0);
  });
}

test(
  'a stop wakes the pool while it waits for a source that has nothing to give',
  { timeout },
  async () => {
    const before = process.getActiveResourcesInfo();
    const stop = new AbortController();
    // 50 ms after job 2 started, while the pool waits for a third: not 50 ms after the run began,
    // which on a loaded machine may come before the jobs are read.
    const handle = async (job: number) => {
      if (job === 2) setTimeout(() => stop.abort(), 50);
      return job;
    };
    const outcomes = await collect(run(quiet(1, 2), handle, { workers: 2, signal: stop.signal }));
    assert.deepEqual(outcomes.map((outcome) => outcome.job).sort(), [1, 2]);
    await assertNothingLeft(before);
  },
);

test(
  'stopping the pool cancels running jobs, starts no new ones, and leaves nothing',
  { timeout },
  async () => {
    const before = process.getActiveResourcesInfo();
    const stop = new AbortController();
    const started: number[] = [];
    // 20 ms after job 3 started, not after the run began: the pool may let the event loop turn
    // while it starts the jobs, and on a loaded machine a timer could fire before job 3 starts.
    const handle = async (job: number, _worker: number, signal: AbortSignal) => {
      started.push(job);
      if (job === 3) setTimeout(() => stop.abort(), 20);
      await sleep(10_000, undefined, { signal });
    };
    const outcomes = await collect(run(range(10), handle, { workers: 3, signal: stop.signal }));
    assert.deepEqual(started, [1, 2, 3]);
    assert.deepEqual(outcomes.map((outcome) => [outcome.job, outcome.ok]).sort(), [
      [1, false],
      [2, false],
      [3, false],
    ]);
    await assertNothingLeft(before);
  },
);

test(
  'a job read as the stop comes is not started, and still has its outcome',
  { timeout },
  async () => {
    const stop = new AbortController();
    function* jobs() {
      yield 1;
      stop.abort(); // while job 2 is read
      yield 2;
      yield 3;
    }
    const started: number[] = [];
    const handle = async (job: number) => {
      started.push(job);
      return job;
    };
    const outcomes = await collect(run(jobs(), handle, { workers: 2, signal: stop.signal }));
    assert.deepEqual(started, [1]);
    assert.deepEqual(
      outcomes.sort((a, b) => a.job - b.job),
      [
        { job: 1, ok: true, value: 1 },
        { job: 2, ok: false, error: stop.signal.reason },
      ],
    );
  },
);

test(
  'leaving the loop early cancels the jobs running and waits for them',
  { timeout },
  async () => {
    const before = process.getActiveResourcesInfo();
    const settled: number[] = [];
    // Job 1 ends once job 3 has started, not after a fixed time: the pool may let the event loop
    // turn while it starts jobs 2 and 3, and a timer of job 1 could fire first.
    let thirdStarted!: () => void;
    const allStarted = new Promise<void>((resolve) => (thirdStarted = resolve));
    const handle = async (job: number, _worker: number, signal: AbortSignal) => {
      if (job === 3) thirdStarted();
      try {
        await (job === 1 ? allStarted : sleep(10_000, undefined, { signal }));
      } finally {
        settled.push(job);
      }
    };
    for await (const outcome of run(range(10), handle, { workers: 3, signal: never })) {
      assert.equal(outcome.job, 1);
      break;
    }
    assert.deepEqual(settled.sort(), [1, 2, 3]); // job 4 waits for job 1's outcome to be taken
    await assertNothingLeft(before);
  },
);

test(
  'an error of the source comes after the outcomes of the jobs in flight',
  { timeout },
  async () => {
    const broken = new Error('the source broke');
    async function* failing() {
      yield 1;
      yield 2;
      throw broken;
    }
    const outcomes: number[] = [];
    await assert.rejects(async () => {
      for await (const outcome of run(failing(), (job) => sleep(20, job), {
        workers: 3,
        signal: never,
      })) {
        outcomes.push(outcome.job);
      }
    }, broken);
    assert.deepEqual(outcomes.sort(), [1, 2]);
  },
);

test(
  'each job gets a signal of its own: the shared signal keeps one listener',
  { timeout },
  async () => {
    const stop = new AbortController();
    let most = 0;
    const handle = async (_job: number, _worker: number, signal: AbortSignal) => {
      const sleeping = sleep(5, undefined, { signal });
      most = Math.max(most, getEventListeners(stop.signal, 'abort').length);
      await sleeping;
    };
    await collect(run(range(40), handle, { workers: 20, signal: stop.signal }));
    assert.equal(most, 2); // one to end intake, one to cancel the jobs
    assert.equal(getEventListeners(stop.signal, 'abort').length, 0, 'none left behind');
  },
);

test('fewer than one worker is refused at once', () => {
  assert.throws(() => run([1], async (job) => job, { workers: 0, signal: never }), {
    name: 'RangeError',
    message: 'workers must be an integer of at least 1, got 0',
  });
});

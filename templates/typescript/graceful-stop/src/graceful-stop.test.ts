import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { getEventListeners } from 'node:events';
import { DrainTimeoutError, serve } from './graceful-stop.js';
import { EventWriter, Jobs } from './jobs.js';
import {
  assertNothingLeft,
  checkInvariants,
  only,
  Program,
  retainedHeapMb,
  run,
  type Event,
} from './testing.js';

const timeout = 20_000;

function* endless(): Generator<number> {
  for (let job = 1; ; job++) yield job;
}

test(
  'a stop ends intake, lets the jobs in flight finish, and leaves nothing',
  { timeout },
  async () => {
    const before = process.getActiveResourcesInfo();
    const stop = new AbortController();
    const started: number[] = [];
    const finished: number[] = [];
    const serving = serve({
      source: endless(),
      workers: 3,
      stop: stop.signal,
      drainMs: 5000,
      async handle(job, _worker, signal) {
        started.push(job);
        await sleep(50, undefined, { signal });
        finished.push(job);
      },
    });
    await sleep(120);
    stop.abort();
    const startedAtStop = started.length;
    await serving;
    assert.equal(started.length, startedAtStop, 'no job taken after the stop');
    assert.deepEqual(
      finished.sort((a, b) => a - b),
      started.sort((a, b) => a - b),
    );
    await assertNothingLeft(before); // the drain timer was cleared
  },
);

test('jobs still running when the drain time is up are cancelled', { timeout }, async () => {
  const before = process.getActiveResourcesInfo();
  const stop = new AbortController();
  const reasons: unknown[] = [];
  const serving = serve({
    source: [1, 2, 3],
    workers: 2,
    stop: stop.signal,
    drainMs: 50,
    async handle(_job, _worker, signal) {
      await sleep(10_000, undefined, { signal }).catch(() => reasons.push(signal.reason));
    },
  });
  await sleep(20);
  const stopped = performance.now();
  stop.abort();
  await serving;
  const drained = performance.now() - stopped;
  assert.equal(reasons.length, 2, 'the two jobs in flight, and not the third');
  assert.ok(reasons.every((reason) => reason instanceof DrainTimeoutError));
  assert.ok(drained >= 49 && drained < 2000, `cancelled ${drained} ms after the stop`);
  await assertNothingLeft(before);
});

test('a finite source ends the service by itself', { timeout }, async () => {
  const handled: number[] = [];
  await serve({
    source: [1, 2, 3, 4, 5],
    workers: 2,
    stop: new AbortController().signal,
    drainMs: 5000,
    handle: async (job) => void handled.push(job),
  });
  assert.deepEqual(handled, [1, 2, 3, 4, 5]);
});

test(
  'an endless run of instant jobs keeps memory for the jobs in flight, not the jobs finished',
  { timeout: 60_000 },
  async () => {
    // The program's own composition, its events thrown away instead of written.
    const jobs = new Jobs(
      new (class extends EventWriter {
        override emit() {}
      })(false),
      async (job) => job * 2,
    );
    const stop = new AbortController();
    const heap: number[] = [];
    await serve({
      source: endless(),
      workers: 3,
      stop: stop.signal,
      drainMs: 5000,
      async handle(job, worker, signal) {
        jobs.submit(job);
        await jobs.run(job, { worker, signal });
        // After a warm-up, and after four times as many jobs again.
        if (job === 20_000 || job === 120_000) heap.push(retainedHeapMb());
        if (job === 120_000) stop.abort();
      },
    });
    const [warm = 0, later = 0] = heap;
    assert.ok(later - warm < 1, `the heap grew ${(later - warm).toFixed(1)} MB over 100 000 jobs`);
    const summary = jobs.finish();
    assert.ok(summary.completed >= 120_000 && summary.completed === summary.submitted);
  },
);

test(
  'each worker hands its jobs a signal of its own: no listener piles up on a shared one',
  { timeout },
  async () => {
    let most = 0;
    await serve({
      source: Array.from({ length: 40 }, (_, index) => index),
      workers: 20,
      stop: new AbortController().signal,
      drainMs: 5000,
      async handle(_job, _worker, signal) {
        const sleeping = sleep(5, undefined, { signal });
        most = Math.max(most, getEventListeners(signal, 'abort').length);
        await sleeping;
      },
    });
    assert.equal(most, 1, 'only its own job listens to a job signal');
  },
);

test(
  'a handle that throws stops intake; its error is thrown once the jobs in flight finish',
  { timeout },
  async () => {
    const failure = new Error('handler bug');
    const started: number[] = [];
    const finished: number[] = [];
    await assert.rejects(
      serve({
        source: endless(),
        workers: 2,
        stop: new AbortController().signal,
        drainMs: 5000,
        async handle(job) {
          started.push(job);
          if (job === 1) {
            await sleep(5);
            throw failure;
          }
          await sleep(50);
          finished.push(job);
        },
      }),
      (error) => error === failure,
    );
    assert.deepEqual(started, [1, 2], 'no job taken after the failure');
    assert.deepEqual(finished, [2], 'the job in flight was waited for');
  },
);

test('fewer than one worker is refused', { timeout }, async () => {
  await assert.rejects(
    serve({
      source: [1],
      workers: 0,
      stop: new AbortController().signal,
      drainMs: 0,
      handle: async () => {},
    }),
    { name: 'RangeError', message: 'workers must be an integer of at least 1, got 0' },
  );
});

/** Starts the service, waits until three jobs have started, then sends `signal`. */
async function stopAfterStarts(args: string[], signal: NodeJS.Signals, group: boolean) {
  const program = new Program(['--json', ...args]);
  try {
    await program.waitFor((event) => event.event === 'ready');
    await program.waitFor((event) => event.event === 'start' && event.job === 3);
    if (group) program.signalGroup(signal);
    else program.signal(signal);
    return await program.exited;
  } finally {
    program.kill();
  }
}

function assertDrained(events: Event[], signal: string): void {
  const stopping = events.findIndex((event) => event.event === 'stopping');
  assert.equal(events[stopping]?.signal, signal);
  assert.deepEqual(only(events.slice(stopping), 'start'), [], 'no job taken after the signal');
  const summary = checkInvariants(events, 3);
  assert.equal(summary.cancelled, 0);
  assert.ok(summary.completed >= 3, 'the jobs in flight finished');
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} stops intake, drains the jobs in flight and exits 0`, { timeout }, async () => {
    const exit = await stopAfterStarts(['--work-ms', '300'], signal, false);
    assert.equal(exit.code, 0, exit.stderr);
    assertDrained(exit.events, signal);
  });

  test(
    `${signal} to the whole process group (Ctrl-C) drains and exits 0`,
    { timeout },
    async () => {
      const exit = await stopAfterStarts(['--work-ms', '300'], signal, true);
      assert.equal(exit.code, 0, exit.stderr);
      assertDrained(exit.events, signal);
    },
  );
}

test('the drain deadline cancels stuck jobs, reports them, and exits 1', { timeout }, async () => {
  const exit = await stopAfterStarts(['--work-ms', '60000', '--drain-ms', '200'], 'SIGTERM', false);
  assert.equal(exit.code, 1);
  const summary = checkInvariants(exit.events, 3);
  assert.equal(summary.cancelled, 3);
  const stopping = exit.events.find((event) => event.event === 'stopping')!;
  for (const cancel of only(exit.events, 'cancel')) {
    assert.ok(cancel.worker !== undefined, 'cancelled by its worker');
    const after = cancel.t_ms - stopping.t_ms;
    assert.ok(after >= 199 && after < 3000, `cancelled ${after} ms after the signal, drain 200 ms`);
  }
});

test('the drain deadline also stops CPU jobs', { timeout }, async () => {
  const exit = await stopAfterStarts(
    ['--work', 'cpu', '--work-ms', '60000', '--drain-ms', '100'],
    'SIGINT',
    true,
  );
  assert.equal(exit.code, 1);
  assert.equal(checkInvariants(exit.events, 3).cancelled, 3);
});

test('a second signal exits 130 at once', { timeout }, async () => {
  const program = new Program(['--json', '--work-ms', '60000']);
  try {
    await program.waitFor((event) => event.event === 'start' && event.job === 3);
    program.signal('SIGTERM');
    await program.waitFor((event) => event.event === 'stopping');
    program.signal('SIGTERM');
    const exit = await program.exited;
    assert.equal(exit.code, 130);
  } finally {
    program.kill();
  }
});

test('with --jobs N the service ends by itself once the N jobs are done', { timeout }, async () => {
  const exit = await run(['--json', '--jobs', '5', '--work-ms', '20', '--fail-every', '5']);
  assert.equal(exit.code, 1, 'job 5 failed');
  const summary = checkInvariants(exit.events, 3);
  assert.deepEqual([summary.submitted, summary.completed, summary.failed], [5, 4, 1]);
  assert.equal(exit.events[0]?.event, 'ready');
});

import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  assertNothingLeft,
  checkInvariants,
  only,
  retainedHeapMb,
  run,
  runUntil,
} from './testing.js';
import { TimeoutError, withTimeout } from './timeout.js';

const timeout = 20_000;
const never = new AbortController().signal;

test('times out on time', { timeout }, async () => {
  const started = performance.now();
  await assert.rejects(
    withTimeout((signal) => sleep(5000, 'late', { signal }), 100, never),
    (error) => error instanceof TimeoutError && error.timeoutMs === 100,
  );
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 99 && elapsed < 1000, `timed out after ${elapsed} ms, deadline 100 ms`);
});

test(
  'the timed-out work is really cancelled: no late side effect, nothing left',
  { timeout },
  async () => {
    const before = process.getActiveResourcesInfo();
    const effects: string[] = [];
    let workSignal: AbortSignal | undefined;
    await assert.rejects(
      withTimeout(
        async (signal) => {
          workSignal = signal;
          await sleep(200, undefined, { signal });
          effects.push('written after the deadline');
        },
        50,
        never,
      ),
      TimeoutError,
    );
    assert.equal(workSignal?.aborted, true, 'the work was told to stop');
    await assertNothingLeft(before);
    await sleep(300); // past the moment the work would have finished
    assert.deepEqual(effects, []);
  },
);

test('completes normally when the work is shorter than the deadline', { timeout }, async () => {
  const before = process.getActiveResourcesInfo();
  assert.equal(await withTimeout((signal) => sleep(20, 'data', { signal }), 1000, never), 'data');
  await assertNothingLeft(before);
});

test('a result that comes after the deadline is not used', { timeout }, async () => {
  // This operation ignores its signal, so only the check after it can keep the deadline.
  await assert.rejects(
    withTimeout(() => sleep(100, 'late'), 20, never),
    TimeoutError,
  );
});

test('a cancelled caller gets its own reason, not a timeout', { timeout }, async () => {
  const cancel = new AbortController();
  const reason = new Error('cancelled');
  setTimeout(() => cancel.abort(reason), 20);
  await assert.rejects(
    withTimeout((signal) => sleep(5000, undefined, { signal }), 1000, cancel.signal),
    (error) => error === reason || (error instanceof Error && error.cause === reason),
  );
});

test(
  'operations on a long-lived signal leave nothing behind on it',
  { timeout: 60_000 },
  async () => {
    // `AbortSignal.any([signal, deadline])` made per operation leaks on Node 20: the long-lived
    // signal keeps a reference for each operation it ever joined (nodejs/node#55351).
    const stop = new AbortController();
    const operations = async (count: number) => {
      for (let index = 0; index < count; index++) {
        await withTimeout(async () => index, 1000, stop.signal);
      }
    };
    await operations(5_000);
    const warm = retainedHeapMb();
    await operations(20_000);
    const grown = retainedHeapMb() - warm;
    assert.ok(grown < 1, `the heap grew ${grown.toFixed(1)} MB over 20 000 operations`);
    assert.equal(getEventListeners(stop.signal, 'abort').length, 0, 'no listener left on it');
  },
);

test(
  'the program reports a timeout at the deadline and exits 0 well before the work would end',
  { timeout },
  async () => {
    const exit = await run([
      '--json',
      '--jobs',
      '3',
      '--workers',
      '3',
      '--work-ms',
      '5000',
      '--timeout-ms',
      '200',
    ]);
    assert.equal(exit.code, 0, 'a timeout is an outcome, not a failure');
    const summary = checkInvariants(exit.events, 3);
    assert.equal(summary.timed_out, 3);
    assert.deepEqual(only(exit.events, 'done'), []);
    for (const timedOut of only(exit.events, 'timeout')) {
      const start = exit.events.find(
        (event) => event.event === 'start' && event.job === timedOut.job,
      )!;
      const late = timedOut.t_ms - start.t_ms - 200;
      assert.ok(
        late >= -1 && late < 500,
        `job ${timedOut.job} timed out ${late} ms after its deadline`,
      );
    }
    assert.ok(summary.elapsed_ms < 5000, 'did not wait for the work');
  },
);

test('the program completes operations shorter than their deadline', { timeout }, async () => {
  const exit = await run([
    '--json',
    '--jobs',
    '4',
    '--workers',
    '2',
    '--work-ms',
    '20',
    '--timeout-ms',
    '2000',
  ]);
  assert.equal(exit.code, 0);
  const summary = checkInvariants(exit.events, 2);
  assert.deepEqual([summary.completed, summary.timed_out], [4, 0]);
});

test('the program cancels CPU work at the deadline by ending its thread', { timeout }, async () => {
  const exit = await run(['--json', '--work', 'cpu', '--work-ms', '10000', '--timeout-ms', '200']);
  assert.equal(exit.code, 0, exit.stderr);
  const summary = checkInvariants(exit.events, 3);
  assert.equal(summary.timed_out, 1);
  assert.ok(summary.elapsed_ms < 5000, 'the thread was stopped, not waited for');
});

test('SIGINT to the process group cancels the operations and exits 130', { timeout }, async () => {
  const exit = await runUntil(
    ['--json', '--jobs', '4', '--workers', '2', '--work-ms', '10000', '--timeout-ms', '20000'],
    (event) => event.event === 'start' && event.job === 2,
  );
  assert.equal(exit.code, 130);
  const summary = checkInvariants(exit.events, 2);
  assert.deepEqual([summary.submitted, summary.cancelled, summary.timed_out], [4, 4, 0]);
  assert.deepEqual(
    only(exit.events, 'start').map((event) => event.job),
    [1, 2],
    'the operations not yet started were cancelled without starting',
  );
});

test(
  'tight deadlines on CPU work end in results or timeouts, never in failures',
  { timeout },
  async () => {
    // Deadlines that fire just as a thread posts its result: each such race once handed the
    // next operation a thread that was being terminated.
    const exit = await run([
      '--json',
      ...['--work', 'cpu', '--jobs', '60', '--workers', '2'],
      ...['--work-ms', '30', '--timeout-ms', '60'],
    ]);
    assert.equal(
      exit.code,
      0,
      exit.stdout
        .split('\n')
        .filter((line) => line.includes('"fail"'))
        .join('\n'),
    );
    const summary = checkInvariants(exit.events, 2);
    assert.equal(summary.failed, 0);
    assert.equal(summary.completed + summary.timed_out, 60);
  },
);

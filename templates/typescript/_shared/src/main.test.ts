// The program as its users run it: a process, its events and its exit code.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertEveryJobEndedOnce, startProgram } from './testing.js';

const timeout = 20_000;

test(
  'the program reports every job once, failures included, and exits 1',
  { timeout },
  async () => {
    const program = startProgram([
      '--jobs',
      '6',
      '--workers',
      '2',
      '--work-ms',
      '10',
      '--fail-every',
      '3',
    ]);
    const { code, events } = await program.exited;
    assert.equal(code, 1);
    const summary = assertEveryJobEndedOnce(events);
    assert.deepEqual([summary.completed, summary.failed], [4, 2]);
  },
);

test(
  'Ctrl-C cancels the jobs running and never starts the others; exit 130',
  { timeout },
  async () => {
    const program = startProgram(['--jobs', '9', '--work-ms', '60000', '--timeout-ms', '60000']);
    await program.waitFor((event) => event.event === 'start');
    program.signalGroup('SIGINT');
    const { code, events } = await program.exited;
    assert.equal(code, 130);
    const summary = assertEveryJobEndedOnce(events);
    assert.equal(summary.cancelled, summary.submitted);
    // The signal may come before every worker has started a job (fan-out: every task), but a
    // worker starts at most one: between one and 3 start (fan-out: 9), each on its own worker.
    const starts = events.filter((event) => event.event === 'start');
    const workers = events.at(-1)?.pattern === 'fan-out' ? 9 : 3;
    assert.ok(starts.length >= 1 && starts.length <= workers, `${starts.length} jobs started`);
    const started = starts.map((event) => event.job);
    assert.equal(new Set(started).size, started.length, 'no job starts twice');
    const on = starts.map((event) => event.worker).filter((worker) => worker !== undefined);
    assert.equal(new Set(on).size, on.length, 'no worker starts a second job');
    // Each job started is cancelled, and none starts once the cancelling has begun.
    const cancels = events.filter((event) => event.event === 'cancel');
    const cancelled = new Set(cancels.map((event) => event.job));
    assert.ok(
      started.every((job) => cancelled.has(job)),
      'every job started is cancelled',
    );
    const firstCancel = events.indexOf(cancels[0]!);
    assert.ok(
      starts.every((start) => events.indexOf(start) < firstCancel),
      'no job starts after the signal',
    );
  },
);

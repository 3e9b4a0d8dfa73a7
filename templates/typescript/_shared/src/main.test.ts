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
    // Fan-out starts every job at once; the others start no more than their 3 workers.
    const starts = events.filter((event) => event.event === 'start').length;
    assert.equal(starts, events.at(-1)?.pattern === 'fan-out' ? 9 : 3);
  },
);

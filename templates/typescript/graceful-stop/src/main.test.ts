// The service as its users run it: a process that stops on SIGTERM or Ctrl-C.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertEveryJobEndedOnce, startProgram } from './testing.js';

const timeout = 20_000;

for (const [signal, to] of [
  ['SIGTERM', 'process'],
  ['SIGINT', 'process group'],
] as const) {
  test(
    `${signal} to the ${to} stops intake, drains the jobs in flight and exits 0`,
    { timeout },
    async () => {
      const program = startProgram(['--workers', '3', '--work-ms', '300']);
      await program.waitFor((event) => event.event === 'start' && event.job === 3);
      if (to === 'process') program.signal(signal);
      else program.signalGroup(signal);
      const { code, events } = await program.exited;
      assert.equal(code, 0);
      const summary = assertEveryJobEndedOnce(events);
      assert.equal(summary.completed, summary.submitted, 'every job taken was finished');
      const stopping = events.findIndex((event) => event.event === 'stopping');
      assert.ok(stopping > 0 && events[stopping]!.signal === signal);
      const startsAfter = events.slice(stopping).filter((event) => event.event === 'start');
      assert.deepEqual(startsAfter, [], 'no job starts after the stop');
    },
  );
}

test(
  'the drain time cancels the jobs still running, and reports them; exit 1',
  { timeout },
  async () => {
    const program = startProgram(['--workers', '2', '--work-ms', '60000', '--drain-ms', '200']);
    await program.waitFor((event) => event.event === 'start' && event.job === 2);
    program.signal('SIGTERM');
    const { code, events } = await program.exited;
    assert.equal(code, 1);
    assert.equal(assertEveryJobEndedOnce(events).cancelled, 2);
  },
);

test('a second signal exits 130 at once', { timeout }, async () => {
  const program = startProgram(['--workers', '2', '--work-ms', '60000']);
  await program.waitFor((event) => event.event === 'start' && event.job === 2);
  program.signal('SIGTERM');
  await program.waitFor((event) => event.event === 'stopping');
  program.signal('SIGINT');
  assert.equal((await program.exited).code, 130);
});

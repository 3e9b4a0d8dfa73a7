import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { EventWriter, Jobs, type ProgramEvent } from './jobs.js';

/** Keeps the events instead of writing them, so that a test can read them. */
class RecordedEvents extends EventWriter {
  readonly recorded: ProgramEvent[] = [];

  constructor() {
    super(true);
  }

  override emit(event: ProgramEvent): void {
    this.recorded.push(event);
  }
}

const errorWithThrowingMessage = new Error('never read');
Object.defineProperty(errorWithThrowingMessage, 'message', {
  get() {
    throw new Error('the message getter throws');
  },
});

const unusualThrownValues: [string, unknown][] = [
  ['an object without a prototype', Object.create(null)],
  [
    'an object whose toString throws',
    {
      toString() {
        throw new Error('toString throws');
      },
    },
  ],
  ['an Error whose message getter throws', errorWithThrowingMessage],
];

for (const [description, thrown] of unusualThrownValues) {
  test(`a job that throws ${description} is reported as failed`, { timeout: 10_000 }, async () => {
    const events = new RecordedEvents();
    const jobs = new Jobs(events, () => Promise.reject(thrown));
    const signal = new AbortController().signal;
    await Promise.all(jobs.submitAll(2).map((job) => jobs.run(job, { signal })));
    const failures = events.recorded.filter((event) => event.event === 'fail');
    assert.equal(failures.length, 2);
    for (const failure of failures) assert.match(failure.error, /\S/);
    assert.deepEqual(jobs.finish(), {
      submitted: 2,
      completed: 0,
      failed: 2,
      timed_out: 0,
      cancelled: 0,
      max_concurrency: 2,
    });
  });
}

test('an ordinary error is reported by its message', { timeout: 10_000 }, async () => {
  const events = new RecordedEvents();
  const jobs = new Jobs(events, () => Promise.reject(new Error('disk full')));
  const [job] = jobs.submitAll(1);
  await jobs.run(job!, { signal: new AbortController().signal });
  assert.deepEqual(events.recorded, [
    { event: 'start', job: 1, worker: undefined },
    { event: 'fail', job: 1, worker: undefined, error: 'disk full' },
  ]);
});

// The same values thrown inside the whole program: each job gets its `fail` event, the run its
// summary and exit code 1. The job's work is given in the program's source, since no flag
// makes a job throw such a value.
const thrownInSource = [
  'Object.create(null)',
  '{ toString() { throw new Error("toString throws"); } }',
  'Object.defineProperty(new Error(), "message", { get() { throw new Error("getter throws"); } })',
];
for (const thrown of thrownInSource) {
  test(`the program reports a job that throws ${thrown}`, { timeout: 20_000 }, async () => {
    const program = `
      import { runProgram } from ${JSON.stringify(new URL('./program.js', import.meta.url).href)};
      await runProgram({
        id: 'worker-pool',
        defaults: { jobs: 3, workMs: 0 },
        threads: () => 1,
        async run({ jobs, stop }) {
          const work = async () => { throw ${thrown}; };
          await Promise.all(jobs.submitAll(3).map((job) => jobs.run(job, { signal: stop }, work)));
        },
      }, ['--json']);`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '--eval', program],
      { timeout: 15_000 },
    ).catch((error: { code?: number; stdout: string; stderr: string }) => {
      assert.equal(error.code, 1, error.stderr);
      return error;
    });
    const events = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; error?: string; failed?: number });
    assert.deepEqual(
      events.filter((event) => event.event === 'fail').map((event) => typeof event.error),
      ['string', 'string', 'string'],
    );
    assert.equal(events.at(-1)?.event, 'summary');
    assert.equal(events.at(-1)?.failed, 3);
  });
}

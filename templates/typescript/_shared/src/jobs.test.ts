import assert from 'node:assert/strict';
import { test } from 'node:test';
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

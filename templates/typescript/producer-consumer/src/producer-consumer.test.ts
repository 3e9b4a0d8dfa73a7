import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BoundedQueue, run } from './producer-consumer.js';
import { assertNothingLeft, collect, never, quiet, range } from './testing.js';

const timeout = 10_000;

for (const workers of [1, 2, 5, 20]) {
  test(
    `every job is consumed exactly once by ${workers} consumer(s), who all end`,
    { timeout },
    async () => {
      const consumed: number[] = [];
      const handle = async (job: number) => {
        consumed.push(job);
        await sleep(job % 3);
        return job;
      };
      // The loop ends only once every consumer has ended: no consumer is left waiting for a
      // sentinel that another consumer took.
      const outcomes = await collect(run(range(50), handle, { workers, buffer: 4, signal: never }));
      assert.deepEqual(
        consumed.sort((a, b) => a - b),
        range(50),
      );
      assert.equal(outcomes.length, 50);
    },
  );
}

test(
  'the buffer holds back a fast producer: it never holds more than `buffer`',
  { timeout },
  async () => {
    let read = 0;
    let handled = 0;
    function* fast() {
      for (const job of range(40)) {
        // Jobs read but not yet handed to a consumer: in the buffer, or the one being put.
        assert.ok(read - handled <= 3 + 1, `${read - handled} jobs between producer and consumers`);
        read++;
        yield job;
      }
    }
    const handle = async (job: number) => {
      handled++;
      await sleep(2);
      return job;
    };
    await collect(run(fast(), handle, { workers: 2, buffer: 3, signal: never }));
    assert.equal(handled, 40);
  },
);

test('a put waits while the buffer is full, and a stop ends the wait', { timeout }, async () => {
  const queue = new BoundedQueue<number>(1);
  await queue.put(1, never);
  const stop = new AbortController();
  const waiting = queue.put(2, stop.signal);
  await sleep(20);
  assert.equal(queue.size, 1);
  stop.abort(new Error('stopped'));
  await assert.rejects(waiting, { message: 'stopped' });
});

test('a stop wakes the consumers waiting for jobs that do not come', { timeout }, async () => {
  const before = process.getActiveResourcesInfo();
  const stop = new AbortController();
  // 50 ms after job 1 started, while the consumers wait: not after the run began, which on a
  // loaded machine may come before job 1 is read.
  const handle = async (job: number) => {
    setTimeout(() => stop.abort(), 50);
    return job * 2;
  };
  const options = { workers: 4, buffer: 2, signal: stop.signal };
  assert.deepEqual(await collect(run(quiet(1), handle, options)), [{ job: 1, ok: true, value: 2 }]);
  await assertNothingLeft(before);
});

test(
  'a stop cancels the jobs running, starts none left in the buffer, and loses none',
  { timeout },
  async () => {
    const stop = new AbortController();
    const started: number[] = [];
    const handle = async (job: number, _worker: number, signal: AbortSignal) => {
      started.push(job);
      await sleep(10_000, undefined, { signal });
    };
    // 30 ms after job 6 was read, while it waits to be put in the full buffer: not after the run
    // began, which on a loaded machine may come before the buffer is full.
    function* jobs() {
      for (const job of range(10)) {
        if (job === 6) setTimeout(() => stop.abort(), 30);
        yield job;
      }
    }
    const outcomes = await collect(
      run(jobs(), handle, { workers: 2, buffer: 3, signal: stop.signal }),
    );
    assert.deepEqual(started, [1, 2]);
    // Jobs 3 to 5 wait in the buffer and job 6 to be put: each read, so each has an outcome.
    assert.deepEqual(
      outcomes.map((outcome) => [outcome.job, outcome.ok]),
      range(6).map((job) => [job, false]),
    );
    for (const outcome of outcomes.slice(2)) {
      assert.ok(!outcome.ok && outcome.error === stop.signal.reason);
    }
  },
);

test('an error of the source reaches the loop after every job it gave', { timeout }, async () => {
  const broken = new Error('the source broke');
  function* failing() {
    yield* range(5);
    throw broken;
  }
  const jobs: number[] = [];
  await assert.rejects(async () => {
    for await (const outcome of run(failing(), (job) => sleep(5, job), {
      workers: 2,
      buffer: 2,
      signal: never,
    })) {
      jobs.push(outcome.job);
    }
  }, broken);
  assert.deepEqual(jobs.sort(), range(5));
});

test('a buffer or a number of consumers under 1 is refused at once', () => {
  const handle = async (job: number) => job;
  assert.throws(() => run([1], handle, { workers: 1, buffer: 0, signal: never }), {
    message: 'buffer must be an integer of at least 1, got 0',
  });
  assert.throws(() => run([1], handle, { workers: 0, buffer: 1, signal: never }), {
    message: 'workers must be an integer of at least 1, got 0',
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BoundedQueue, QueueClosedError, runPipeline } from './producer-consumer.js';
import { assertNothingLeft, checkInvariants, only, run, runUntil } from './testing.js';

const timeout = 20_000;
const never = new AbortController().signal;
const range = (count: number) => Array.from({ length: count }, (_, index) => index + 1);

for (const consumers of [1, 2, 3, 8]) {
  test(
    `every item is consumed exactly once with ${consumers} consumer(s)`,
    { timeout },
    async () => {
      const before = process.getActiveResourcesInfo();
      const consumed: number[] = [];
      await runPipeline<number>({
        capacity: 2,
        consumers,
        signal: never,
        async produce(put) {
          for (const item of range(50)) await put(item);
        },
        async consume(item) {
          await sleep(item % 3);
          consumed.push(item);
        },
      });
      assert.deepEqual(
        consumed.sort((a, b) => a - b),
        range(50),
      );
      await assertNothingLeft(before);
    },
  );
}

test(
  'a full buffer makes the producer wait: it never holds more than its capacity',
  { timeout },
  async () => {
    const queue = new BoundedQueue<number>(2);
    await queue.put(1, never);
    await queue.put(2, never);
    let third = false;
    const putting = queue.put(3, never).then(() => (third = true));
    await sleep(20);
    assert.equal(third, false, 'put waits while the buffer is full');
    assert.equal(queue.size, 2);
    assert.deepEqual(await queue.take(never), { done: false, value: 1 });
    await putting;
    assert.equal(queue.size, 2);
  },
);

test(
  'the buffer stays within capacity under a fast producer and slow consumers',
  { timeout },
  async () => {
    let largest = 0;
    const queue = new BoundedQueue<number>(3);
    const producer = (async () => {
      for (const item of range(40)) {
        await queue.put(item, never);
        largest = Math.max(largest, queue.size);
      }
      queue.close();
    })();
    const consumer = async () => {
      for (let next = await queue.take(never); !next.done; next = await queue.take(never))
        await sleep(1);
    };
    await Promise.all([producer, consumer(), consumer()]);
    assert.equal(largest, 3);
  },
);

test(
  'closing wakes every waiting consumer, however many: no sentinel per consumer',
  { timeout },
  async () => {
    const queue = new BoundedQueue<number>(1);
    const takes = range(10).map(() => queue.take(never));
    await queue.put(7, never);
    queue.close();
    const results = await Promise.all(takes);
    assert.deepEqual(
      results.filter((result) => !result.done).map((result) => result.value),
      [7],
    );
    assert.equal(results.filter((result) => result.done).length, 9);
    await assert.rejects(queue.put(8, never), QueueClosedError);
  },
);

test('a stopped queue hands out no item, even with items left in it', { timeout }, async () => {
  const queue = new BoundedQueue<number>(2);
  await queue.put(1, never);
  const stop = new AbortController();
  const reason = new Error('stop');
  stop.abort(reason);
  await assert.rejects(queue.take(stop.signal), (error) => error === reason);
  await assert.rejects(queue.put(2, stop.signal), (error) => error === reason);
  assert.equal(queue.size, 1, 'the item is still there, for whoever takes it next');
});

test(
  'fewer than one consumer, or a buffer of less than one item, is refused',
  { timeout },
  async () => {
    const pipeline = (capacity: number, consumers: number) =>
      runPipeline<number>({
        capacity,
        consumers,
        signal: never,
        produce: async (put) => put(1),
        consume: async () => {},
      });
    await assert.rejects(pipeline(1, 0), {
      name: 'RangeError',
      message: 'consumers must be an integer of at least 1, got 0',
    });
    await assert.rejects(pipeline(0, 1), {
      name: 'RangeError',
      message: 'capacity must be an integer of at least 1, got 0',
    });
  },
);

test(
  'every consumer returns when the input ends, even with more consumers than items',
  { timeout },
  async () => {
    const before = process.getActiveResourcesInfo();
    const consumedBy: number[] = [];
    await runPipeline<number>({
      capacity: 1,
      consumers: 8,
      signal: never,
      async produce(put) {
        await put(1);
        await put(2);
      },
      async consume(_item, consumer) {
        consumedBy.push(consumer);
      },
    });
    assert.equal(consumedBy.length, 2);
    await assertNothingLeft(before);
  },
);

test(
  'a failing consumer stops the producer instead of leaving it blocked',
  { timeout },
  async () => {
    const failure = new Error('consumer failed');
    await assert.rejects(
      runPipeline<number>({
        capacity: 1,
        consumers: 1,
        signal: never,
        async produce(put) {
          for (const item of range(100)) await put(item);
        },
        async consume(item) {
          if (item === 3) throw failure;
        },
      }),
      (error) => error === failure,
    );
  },
);

test('a failing producer still releases every consumer', { timeout }, async () => {
  const failure = new Error('producer failed');
  await assert.rejects(
    runPipeline<number>({
      capacity: 4,
      consumers: 3,
      signal: never,
      async produce(put) {
        await put(1);
        throw failure;
      },
      consume: () => sleep(10),
    }),
    (error) => error === failure,
  );
});

test(
  'the program consumes every item once, never more than --buffer ahead',
  { timeout },
  async () => {
    const exit = await run([
      '--json',
      '--jobs',
      '30',
      '--workers',
      '3',
      '--buffer',
      '2',
      '--work-ms',
      '5',
    ]);
    assert.equal(exit.code, 0, exit.stderr);
    const summary = checkInvariants(exit.events, 3);
    assert.equal(summary.completed, 30);
    assert.deepEqual(
      only(exit.events, 'consume')
        .map((event) => event.job)
        .sort((a, b) => a! - b!),
      range(30),
    );
    // `produce` is written just before the item is offered, so the producer can be one item
    // ahead of a full buffer: produced minus consumed never exceeds buffer + 1.
    let ahead = 0;
    const seen = new Set<number>();
    for (const event of exit.events) {
      if (event.event === 'produce') ahead++;
      if (event.event === 'consume') {
        assert.ok(seen.has(event.job!) === false, 'consumed once');
        seen.add(event.job!);
        ahead--;
      }
      assert.ok(ahead <= 3, `${ahead} items produced and not yet consumed, buffer 2`);
    }
    const order = exit.events.filter((event) => event.job === 5).map((event) => event.event);
    assert.deepEqual(order, ['produce', 'consume', 'start', 'done']);
  },
);

test('the program with more consumers than items ends and exits 0', { timeout }, async () => {
  const exit = await run(['--json', '--jobs', '2', '--workers', '8', '--work-ms', '10']);
  assert.equal(exit.code, 0);
  assert.equal(checkInvariants(exit.events, 8).completed, 2);
});

test('the program reports failed items and exits 1', { timeout }, async () => {
  const exit = await run(['--json', '--jobs', '6', '--work-ms', '10', '--fail-every', '2']);
  assert.equal(exit.code, 1);
  assert.deepEqual(
    only(exit.events, 'fail').map((event) => event.job),
    [2, 4, 6],
  );
  checkInvariants(exit.events, 3);
});

test(
  'SIGINT to the process group cancels the items in flight and in the buffer, exit 130',
  { timeout },
  async () => {
    const exit = await runUntil(
      ['--json', '--jobs', '10', '--workers', '2', '--buffer', '2', '--work-ms', '10000'],
      (event) => event.event === 'start' && event.job === 2,
    );
    assert.equal(exit.code, 130);
    const summary = checkInvariants(exit.events, 2);
    assert.equal(summary.cancelled, summary.submitted);
    assert.ok(summary.submitted < 10, 'the producer was held back by the full buffer');
    // The signal came while items 1 and 2 ran: the items in the buffer were never taken out.
    assert.deepEqual(
      exit.events
        .filter((event) => event.event === 'consume' || event.event === 'start')
        .map((event) => [event.event, event.job]),
      [
        ['consume', 1],
        ['start', 1],
        ['consume', 2],
        ['start', 2],
      ],
    );
  },
);

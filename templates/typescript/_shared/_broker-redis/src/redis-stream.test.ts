// The Redis Streams source and acknowledger, through its API, against a real redis-server.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { getEventListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import {
  type DeadLetter,
  type Delivery,
  openStream,
  replyCode,
  type Stream,
  type StreamOptions,
} from './redis-stream.js';
import {
  type RedisServer,
  type ReplyLosses,
  skipWithoutRedis,
  startRedis,
  startReplyLosingProxy,
  startSilentServer,
} from './redis-testing.js';
import { assertNothingLeft, range } from './testing.js';
import { run } from './worker-pool.js';

const skip = skipWithoutRedis();
const timeout = 20_000;
let server: RedisServer;
let admin: ReturnType<typeof createClient>;
let handlesBefore: string[];
let streams = 0;

before(async () => {
  if (skip) return;
  handlesBefore = process.getActiveResourcesInfo();
  server = await startRedis();
  admin = createClient({ url: server.url });
  await admin.connect();
});

after(async () => {
  if (skip) return;
  admin.destroy();
  await server.stop();
  await assertNothingLeft(handlesBefore);
});

/** A stream of its own for each test, so that none sees another's jobs. */
const newName = () => `test${++streams}:jobs`;

const open = (name: string, consumer: string, options: Partial<StreamOptions> = {}) =>
  openStream(server.url, name, consumer, { claimIdle: 200, maxDeliveries: 3, ...options });

async function produceAll(name: string, jobs: number[], payload: object = {}): Promise<void> {
  const producer = await open(name, 'producer');
  for (const job of jobs) await producer.produce(job, payload, new AbortController().signal);
  await producer.close();
}

/**
 * Runs the worker pool on `stream`'s deliveries: each job's handler is `handle`, and each
 * outcome is acknowledged (ok) or failed. Returns what happened, once `stop` aborts.
 */
async function work(
  stream: Stream,
  stop: AbortSignal,
  handle: (delivery: Delivery) => Promise<number> = async ({ job }) => job * 2,
) {
  const acked: number[] = [];
  const dead: number[] = [];
  const failed: Delivery[] = [];
  const jobs = stream.deliveries(stop);
  for await (const outcome of run(jobs, (delivery) => handle(delivery), {
    workers: 2,
    signal: stop,
  })) {
    if (outcome.ok) {
      if (await stream.ack(outcome.job, outcome.value)) acked.push(outcome.job.job);
    } else if (stop.aborted) {
      await stream.release(outcome.job);
    } else {
      failed.push(outcome.job);
      if (await stream.fail(outcome.job, (outcome.error as Error).message))
        dead.push(outcome.job.job);
    }
  }
  await stream.close();
  return { acked, dead, failed };
}

/** Waits until `name` holds nothing: every job acknowledged and deleted. */
async function drained(name: string): Promise<void> {
  while ((await admin.xLen(name)) > 0) await sleep(20);
}

async function assertAllDone(name: string, jobs: number[]): Promise<void> {
  const pending = await admin.xPending(name, `${name}:workers`);
  assert.equal(pending.pending, 0, 'nothing pending');
  assert.equal(await admin.xLen(name), 0, 'nothing left in the stream');
  const results = await admin.hGetAll(`${name}:results`);
  assert.deepEqual(Object.fromEntries(jobs.map((job) => [String(job), String(job * 2)])), {
    ...results,
  });
}

const byId = (a: number, b: number) => a - b;

for (const consumers of [1, 2, 4]) {
  test(
    `every job is acknowledged exactly once with ${consumers} consumer(s)`,
    { skip, timeout },
    async () => {
      const name = newName();
      const jobs = range(40);
      await produceAll(name, jobs);
      // A stop each, as each would be a process of its own.
      const stops = range(consumers).map(() => new AbortController());
      const running = stops.map(async (stop, consumer) =>
        work(await open(name, `consumer-${consumer}`), stop.signal),
      );
      await drained(name);
      stops.forEach((stop) => stop.abort());
      const acked = (await Promise.all(running)).flatMap((result) => result.acked);
      assert.deepEqual(acked.sort(byId), jobs);
      await assertAllDone(name, jobs);
    },
  );
}

test('an error reply is known by its code, also inside the wrapping of a script error of Redis 6', () => {
  const cases: Array<[string, string]> = [
    ["OOM command not allowed when used memory > 'maxmemory'.", 'OOM'],
    ['ERR Error running script (call to f_8b1a): @user_script:5: -OOM command not allowed', 'OOM'],
    [
      "ERR Error running script (call to f_8b1a): @user_script:7: READONLY You can't write",
      'READONLY',
    ],
    ['WRONGTYPE Operation against a key holding the wrong kind of value', 'WRONGTYPE'],
    ["ERR unknown command 'XAUTOCLAIM'", 'ERR'],
  ];
  for (const [message, code] of cases) assert.equal(replyCode(message), code, message);
});

test('a producer waits while the stream holds `buffer` jobs', { skip, timeout }, async () => {
  const name = newName();
  const jobs = range(12);
  const producer = await open(name, 'producer', { buffer: 3 });
  let most = 0;
  const sampling = new AbortController();
  const sampler = (async () => {
    while (!sampling.signal.aborted) {
      most = Math.max(most, await admin.xLen(name));
      await sleep(2);
    }
  })();
  const stop = new AbortController();
  const worker = work(await open(name, 'slow'), stop.signal, async ({ job }) => {
    await sleep(20);
    return job * 2;
  });
  for (const job of jobs) await producer.produce(job, {}, new AbortController().signal);
  await producer.close();
  await drained(name);
  stop.abort();
  sampling.abort();
  await sampler;
  assert.deepEqual((await worker).acked.sort(byId), jobs);
  assert.ok(most >= 2 && most <= 3, `the stream held ${most} jobs at most, buffer 3`);
});

test(
  'a failing job is delivered again after claimIdle, then dead-lettered at maxDeliveries',
  { skip, timeout },
  async () => {
    const name = newName();
    await produceAll(name, [7]);
    const stop = new AbortController();
    const result = await Promise.all([
      work(await open(name, 'a'), stop.signal, async ({ job }) => {
        throw new Error(`injected failure in job ${job}`);
      }),
      drained(name).then(() => stop.abort()),
    ]);
    const { dead, failed } = result[0];
    assert.deepEqual(dead, [7]);
    assert.deepEqual(
      failed.map(({ deliveries, claimedFrom }) => [deliveries, claimedFrom]),
      [
        [1, ''],
        [2, 'a'],
        [3, 'a'],
      ],
    );
    const [letter] = (await admin.xRange(`${name}:dead`, '-', '+')) ?? [];
    assert.deepEqual(
      { ...letter!.message },
      {
        job: '7',
        payload: '{}',
        error: 'injected failure in job 7',
        deliveries: '3',
        consumer: 'a',
      },
    );
    assert.equal((await admin.xPending(name, `${name}:workers`)).pending, 0);
  },
);

test(
  'a job left pending by a consumer that died is claimed by another and done',
  { skip, timeout },
  async () => {
    const name = newName();
    await produceAll(name, [1, 2]);
    const died = await open(name, 'died');
    const taken = await died.deliveries(new AbortController().signal).next();
    assert.equal(taken.value?.job, 1);
    await died.close(); // without acknowledging job 1: it stays pending
    const claimed: Delivery[] = [];
    const stop = new AbortController();
    const [{ acked }] = await Promise.all([
      work(await open(name, 'alive'), stop.signal, async (delivery) => {
        if (delivery.claimedFrom) claimed.push(delivery);
        return delivery.job * 2;
      }),
      drained(name).then(() => stop.abort()),
    ]);
    assert.deepEqual(acked.sort(byId), [1, 2]);
    assert.deepEqual(
      claimed.map(({ job, deliveries, claimedFrom }) => ({ job, deliveries, claimedFrom })),
      [{ job: 1, deliveries: 2, claimedFrom: 'died' }],
    );
    await assertAllDone(name, [1, 2]);
  },
);

test(
  'a job whose consumer died on its last delivery is dead-lettered by the claimer',
  { skip, timeout },
  async () => {
    const name = newName();
    await produceAll(name, [5]);
    const died = await open(name, 'died', { maxDeliveries: 1 });
    await died.deliveries(new AbortController().signal).next();
    await died.close();
    const letters: DeadLetter[] = [];
    const stop = new AbortController();
    const claimer = await open(name, 'claimer', {
      maxDeliveries: 1,
      onDeadLetter: (letter) => letters.push(letter),
    });
    const [{ acked }] = await Promise.all([
      work(claimer, stop.signal),
      drained(name).then(() => stop.abort()),
    ]);
    assert.deepEqual(acked, []);
    assert.deepEqual(
      letters.map(({ job, error, claimedFrom }) => ({ job, error, claimedFrom })),
      [{ job: 5, error: 'abandoned by died after 1 deliveries', claimedFrom: 'died' }],
    );
    assert.equal((await admin.xRange(`${name}:dead`, '-', '+'))?.length, 1);
  },
);

test('a released job goes back at once, fresh, to any consumer', { skip, timeout }, async () => {
  const name = newName();
  await produceAll(name, [1, 2]);
  const first = await open(name, 'first', { claimIdle: 60_000 });
  const { value } = await first.deliveries(new AbortController().signal).next();
  await first.release(value!);
  await first.close();
  const second = await open(name, 'second', { claimIdle: 60_000 });
  const read: Delivery[] = [];
  for await (const delivery of second.deliveries(new AbortController().signal)) {
    read.push(delivery);
    await second.ack(delivery, delivery.job * 2);
    if (read.length === 2) break;
  }
  await second.close();
  assert.deepEqual(
    read.map(({ job, deliveries }) => [job, deliveries]),
    [
      [2, 1],
      [1, 1],
    ],
  );
  await assertAllDone(name, [1, 2]);
});

test(
  'a late release or fail of a job another consumer has completed puts nothing back',
  { skip, timeout },
  async () => {
    const name = newName();
    await produceAll(name, [1, 2]);
    const slow = await open(name, 'slow', { claimIdle: 100, maxDeliveries: 1, capacity: 2 });
    const slowJobs = slow.deliveries(new AbortController().signal);
    const [one, two] = [(await slowJobs.next()).value!, (await slowJobs.next()).value!];
    await sleep(150);
    const rescuer = await open(name, 'rescuer', { claimIdle: 100, maxDeliveries: 5 });
    const rescued = rescuer.deliveries(new AbortController().signal);
    for (const _ of [one, two]) {
      const delivery = (await rescued.next()).value!;
      assert.equal(delivery.claimedFrom, 'slow');
      assert.equal(await rescuer.ack(delivery, delivery.job * 2), true);
    }
    await slow.release(one);
    assert.equal(await slow.fail(two, 'too late'), false);
    await Promise.all([slow.close(), rescuer.close()]);
    assert.equal(await admin.xLen(name), 0, 'the released job was not put back');
    assert.equal(await admin.xLen(`${name}:dead`), 0, 'the failed job was not dead-lettered');
    await assertAllDone(name, [1, 2]);
  },
);

test('a malformed entry is dead-lettered at once with its error', { skip, timeout }, async () => {
  const name = newName();
  await admin.xAdd(name, '*', { job: '3', payload: '{not json' });
  const letters: DeadLetter[] = [];
  const stream = await open(name, 'reader', { onDeadLetter: (letter) => letters.push(letter) });
  const stop = new AbortController();
  await Promise.all([work(stream, stop.signal), drained(name).then(() => stop.abort())]);
  assert.equal(letters.length, 1);
  assert.equal(letters[0]!.job, 3);
  assert.match(letters[0]!.error, /^malformed entry: /);
  const [letter] = (await admin.xRange(`${name}:dead`, '-', '+')) ?? [];
  assert.equal(letter!.message.error, letters[0]!.error);
});

test(
  'a stop ends a read waiting for jobs at once, not after the block time',
  { skip, timeout },
  async () => {
    const stream = await open(newName(), 'idle', { claimIdle: 60_000 });
    const stop = new AbortController();
    const reading = stream.deliveries(stop.signal).next();
    await sleep(100);
    const stoppedAt = performance.now();
    stop.abort();
    assert.equal((await reading).done, true);
    await stream.close();
    const waited = performance.now() - stoppedAt;
    assert.ok(
      waited < 500,
      `the read ended ${Math.round(waited)} ms after the stop (block: 1000 ms)`,
    );
  },
);

test(
  'an unreachable server is reported within 10 s, its password hidden',
  { skip, timeout },
  async () => {
    const startedAt = performance.now();
    const url = 'redis://user:secret@127.0.0.1:1/0';
    await assert.rejects(
      openStream(url, newName(), 'nobody', { claimIdle: 200, maxDeliveries: 3 }),
      (error: Error) => {
        assert.equal(error.name, 'UnreachableError');
        assert.match(error.message, /^cannot reach redis:\/\/user:\*\*\*@127\.0\.0\.1:1\/0: /);
        return true;
      },
    );
    assert.ok(performance.now() - startedAt < 10_000);
  },
);

// A frozen server takes the connection and never answers: the start-up limit bounds the
// handshake too, and the clients close their connections, leaving nothing to keep Node alive.
test(
  'a server that never answers is reported within 10 s, and its clients closed',
  { timeout },
  async () => {
    const silent = await startSilentServer();
    try {
      const startedAt = performance.now();
      await assert.rejects(
        openStream(silent.url, newName(), 'nobody', { claimIdle: 200, maxDeliveries: 3 }),
        (error: Error) => {
          assert.equal(error.name, 'UnreachableError');
          assert.match(error.message, /^cannot reach redis:\/\/127\.0\.0\.1:\d+\/0: no reply /);
          return true;
        },
      );
      assert.ok(performance.now() - startedAt < 10_000);
      for (const until = performance.now() + 2_000; silent.open > 0; await sleep(10)) {
        if (performance.now() > until) assert.fail(`${silent.open} connections left open`);
      }
    } finally {
      await silent.close();
    }
  },
);

// A stop before the connections are made: each is ended once made, so nothing is left open to
// keep a library caller's process alive.
test('a stop during the connect leaves no connection open', { timeout }, async () => {
  const silent = await startSilentServer();
  try {
    const stop = new AbortController();
    const options = { claimIdle: 200, maxDeliveries: 3 };
    const opening = openStream(silent.url, newName(), 'nobody', options, stop.signal);
    stop.abort(new Error('stopped'));
    await assert.rejects(opening, (error) => error === stop.signal.reason);
    await sleep(300); // the connections being made are made by then
    for (const until = performance.now() + 2_000; silent.open > 0; await sleep(10)) {
      if (performance.now() > until) assert.fail(`${silent.open} connections left open`);
    }
  } finally {
    await silent.close();
  }
});

test(
  'a dropped connection is retried and reported; every job is still done once',
  { skip, timeout },
  async () => {
    const name = newName();
    const jobs = range(30);
    await produceAll(name, jobs);
    const retries: string[] = [];
    const stream = await open(name, 'dropped', {
      onRetry: (error) => retries.push(error.message),
    });
    const stop = new AbortController();
    let killed = false;
    const [{ acked }] = await Promise.all([
      work(stream, stop.signal, async ({ job }) => {
        if (job === 10 && !killed) {
          killed = true;
          await admin.clientKill({ filter: 'TYPE', type: 'normal' });
        }
        await sleep(5);
        return job * 2;
      }),
      drained(name).then(() => stop.abort()),
    ]);
    assert.ok(retries.length > 0, 'the lost connection was reported');
    assert.deepEqual(acked.sort(byId), jobs);
    await assertAllDone(name, jobs);
  },
);

/**
 * A stop signal that also aborts after `ms`: a test waiting for a job that does not come fails
 * then, its stream closed, rather than time out with its connections open.
 */
function stopAfter(ms: number) {
  const stop = new AbortController();
  const giveUp = setTimeout(() => stop.abort(new Error(`no job in ${ms} ms`)), ms);
  stop.signal.addEventListener('abort', () => clearTimeout(giveUp), { once: true });
  return stop;
}

/** What marks the replies that a proxy of these tests loses: a job's payload. */
const lostReply = 'the payload of a lost reply';

/**
 * Opens `name` as consumer 'reader' through a proxy that loses `losses` of the replies that
 * carry `lostReply`, for a test that takes its jobs one at a time, for at most 5 s.
 */
async function readThroughLosingProxy(
  name: string,
  { losses, ...options }: Partial<StreamOptions> & { losses?: ReplyLosses } = {},
) {
  const proxy = await startReplyLosingProxy(server, lostReply, losses);
  const stream = await openStream(proxy.url, name, 'reader', {
    claimIdle: 60_000, // a job that came back through a claim would come far too late
    maxDeliveries: 3,
    onRetry: () => {},
    ...options,
  });
  const stop = stopAfter(5000);
  const jobs = stream.deliveries(stop.signal);
  const delivered: Delivery[] = [];
  return {
    stream,
    delivered,
    /** Waits for the next job and adds it to `delivered`; false once the reading has ended. */
    async take(): Promise<boolean> {
      const next = await jobs.next();
      if (!next.done) delivered.push(next.value);
      return !next.done;
    },
    async close(): Promise<void> {
      stop.abort();
      await jobs.return();
      await stream.close();
      await proxy.close();
    },
  };
}

/** Acknowledges each job `readThroughLosingProxy` delivers until `count` came; returns them. */
async function ackThroughLosingProxy(
  name: string,
  count: number,
  options: Parameters<typeof readThroughLosingProxy>[1] = {},
): Promise<Delivery[]> {
  const reader = await readThroughLosingProxy(name, options);
  try {
    while (reader.delivered.length < count && (await reader.take())) {
      const delivery = reader.delivered.at(-1)!;
      assert.equal(await reader.stream.ack(delivery, delivery.job * 2), true);
    }
  } finally {
    await reader.close();
  }
  return reader.delivered;
}

test(
  'a read whose reply was lost hands out its job at once, not after claimIdle, before reading on',
  { skip, timeout },
  async () => {
    const name = newName();
    await admin.xAdd(name, '*', { job: '1', payload: JSON.stringify(lostReply) });
    await admin.xAdd(name, '*', { job: '2', payload: '{}' });
    const retries: string[] = [];
    const delivered = await ackThroughLosingProxy(name, 2, {
      onRetry: (error) => retries.push(error.message),
    });
    assert.ok(retries.length > 0, 'the lost connection was reported');
    assert.deepEqual(
      delivered.map(({ job, deliveries, claimedFrom }) => ({ job, deliveries, claimedFrom })),
      [
        { job: 1, deliveries: 2, claimedFrom: '' },
        { job: 2, deliveries: 1, claimedFrom: '' },
      ],
    );
    await assertAllDone(name, [1, 2]);
  },
);

test(
  'a lost read takes back only what it delivered: not a job held, nor those pending from before',
  { skip, timeout },
  async () => {
    const name = newName();
    const group = `${name}:workers`;
    const { stream, delivered, take, close } = await readThroughLosingProxy(name, { capacity: 3 });
    // Left by an earlier process of the same name 10 s before; as many as fill a listing of
    // this consumer's pending entries, which comes in id order.
    const before: string[] = [];
    for (const job of range(3)) {
      before.push(await admin.xAdd(name, '*', { job: String(job), payload: '{}' }));
    }
    await admin.xReadGroup(group, 'reader', { key: name, id: '>' });
    await admin.xClaimJustId(name, group, 'reader', 0, before, { IDLE: 10_000 });
    const held = await admin.xAdd(name, '*', { job: '4', payload: '{}' });
    try {
      await take();
      const lost = await admin.xAdd(name, '*', { job: '5', payload: JSON.stringify(lostReply) });
      await take();
      assert.deepEqual(
        delivered.map(({ id, deliveries, claimedFrom }) => ({ id, deliveries, claimedFrom })),
        [
          { id: held, deliveries: 1, claimedFrom: '' },
          { id: lost, deliveries: 2, claimedFrom: '' },
        ],
      );
      const pending = await admin.xPendingRange(name, group, '-', '+', 10);
      // A claim counts a delivery and resets the idle time: only the lost one was taken again.
      assert.deepEqual(
        pending.map(({ id, consumer, deliveriesCounter }) => ({ id, consumer, deliveriesCounter })),
        [...before, held, lost].map((id) => ({
          id,
          consumer: 'reader',
          deliveriesCounter: id === lost ? 2 : 1,
        })),
      );
      for (const { id, millisecondsSinceLastDelivery } of pending.slice(0, before.length)) {
        assert.ok(millisecondsSinceLastDelivery >= 10_000, `${id} left idle`);
      }
      for (const delivery of delivered) await stream.ack(delivery, delivery.job * 2);
    } finally {
      await close();
    }
  },
);

test(
  'a lost reply of the claim that takes back a lost read: its job still comes at once, and once',
  { skip, timeout },
  async () => {
    const name = newName();
    await admin.xAdd(name, '*', { job: '1', payload: JSON.stringify(lostReply) });
    await admin.xAdd(name, '*', { job: '2', payload: '{}' });
    // The read's loss is noticed 1 s late, so its entry is listed idle for 1 s: a claim sent
    // again at that minimum, after the lost claim reset its idle time, would take nothing.
    const delivered = await ackThroughLosingProxy(name, 2, {
      maxDeliveries: 5,
      losses: { cutAfterMs: [1000, 0] },
    });
    // Counted: the lost read, the lost claim, the claim that took it back.
    assert.deepEqual(
      delivered.map(({ job, deliveries, claimedFrom }) => ({ job, deliveries, claimedFrom })),
      [
        { job: 1, deliveries: 3, claimedFrom: '' },
        { job: 2, deliveries: 1, claimedFrom: '' },
      ],
    );
    await assertAllDone(name, [1, 2]);
  },
);

test(
  'a lost reply of a claim of an idle job: the job comes at once, not after claimIdle again',
  { skip, timeout },
  async () => {
    const name = newName();
    const group = `${name}:workers`;
    const id = await admin.xAdd(name, '*', { job: '1', payload: JSON.stringify(lostReply) });
    await admin.xGroupCreate(name, group, '0');
    await admin.xReadGroup(group, 'gone', { key: name, id: '>' });
    await admin.xClaimJustId(name, group, 'gone', 0, [id], { IDLE: 60_000 });
    const delivered = await ackThroughLosingProxy(name, 1, { maxDeliveries: 5 });
    // Taken back as a lost read's: as this consumer's own, not as claimed from 'gone'.
    assert.deepEqual(
      delivered.map(({ job, claimedFrom }) => ({ job, claimedFrom })),
      [{ job: 1, claimedFrom: '' }],
    );
    await assertAllDone(name, [1]);
  },
);

test(
  'a lost read takes back no job that another consumer claimed after it was listed',
  { skip, timeout },
  async () => {
    const name = newName();
    const group = `${name}:workers`;
    let lostId = '';
    let failedId = '';
    // Just before this consumer's claim, another claims the job it failed: it was listed too,
    // as pending here since before the lost read, within the slack. The claim then waits until
    // that job has been idle, since the other's claim, longer than the lost entry was listed.
    const { stream, delivered, take, close } = await readThroughLosingProxy(name, {
      maxDeliveries: 5,
      capacity: 2, // room for both
      losses: {
        before: {
          command: 'XCLAIM',
          run: async () => {
            await admin.xClaimJustId(name, group, 'other', 0, [failedId]);
            const [lost] = await admin.xPendingRange(name, group, lostId, lostId, 1);
            await sleep(lost!.millisecondsSinceLastDelivery + 50);
          },
        },
      },
    });
    try {
      failedId = await admin.xAdd(name, '*', { job: '1', payload: '{}' });
      await take();
      assert.equal(await stream.fail(delivered[0]!, 'failed'), false);
      await sleep(500); // listed idle 500 ms longer than the lost one
      lostId = await admin.xAdd(name, '*', { job: '2', payload: JSON.stringify(lostReply) });
      await take();
      assert.deepEqual(
        delivered.map(({ id, deliveries }) => ({ id, deliveries })),
        [
          { id: failedId, deliveries: 1 },
          { id: lostId, deliveries: 2 },
        ],
      );
      const pending = await admin.xPendingRange(name, group, '-', '+', 10);
      assert.deepEqual(
        pending.map(({ id, consumer }) => ({ id, consumer })),
        [
          { id: failedId, consumer: 'other' },
          { id: lostId, consumer: 'reader' },
        ],
      );
      assert.equal(await stream.ack(delivered[1]!, 4), true);
    } finally {
      await close();
    }
  },
);

test(
  'a group lost with its stream (a restart without persistence) is created again; work goes on',
  { skip, timeout },
  async () => {
    const name = newName();
    await produceAll(name, range(10));
    const later = range(20).slice(10);
    const retries: string[] = [];
    const stream = await open(name, 'survivor', {
      onRetry: (error) => retries.push(error.message),
    });
    const stop = new AbortController();
    let lost = false;
    const [{ acked }] = await Promise.all([
      work(stream, stop.signal, async ({ job }) => {
        if (!lost) {
          lost = true;
          // In one step, so that the stream is never seen empty before the later jobs are in.
          const refill = admin.multi().del(name);
          for (const job of later) refill.xAdd(name, '*', { job: String(job), payload: '{}' });
          await refill.exec();
        }
        return job * 2;
      }),
      drained(name).then(() => stop.abort()),
    ]);
    assert.ok(
      retries.some((message) => message.startsWith('NOGROUP')),
      'the lost group was reported',
    );
    assert.deepEqual(
      acked.filter((job) => job > 10),
      later,
    );
    assert.equal((await admin.xPending(name, `${name}:workers`)).pending, 0);
  },
);

test(
  'a reader holds no more jobs than its capacity, and reads as many as it has room for',
  { skip, timeout },
  async () => {
    const name = newName();
    await produceAll(name, range(10));
    const stream = await open(name, 'holder', { capacity: 3 });
    const stop = new AbortController();
    const jobs = stream.deliveries(stop.signal);
    const held = [(await jobs.next()).value!, (await jobs.next()).value!];
    held.push((await jobs.next()).value!);
    const pendingOf = async () => (await admin.xPending(name, `${name}:workers`)).pending;
    assert.equal(await pendingOf(), 3, 'one read took the three it had room for');
    let readYet = false;
    const reading = jobs.next().then((next) => {
      readYet = true;
      return next.value as Delivery;
    });
    await sleep(300);
    assert.equal(readYet, false, 'no read while it holds its capacity');
    assert.equal(await pendingOf(), 3);
    assert.equal(await stream.ack(held[0]!, held[0]!.job * 2), true);
    const fourth = await reading;
    assert.equal(fourth.job, 4, 'a job that ends makes room for one more');
    assert.equal(await pendingOf(), 3);
    stop.abort();
    for (const delivery of [...held.slice(1), fourth]) await stream.release(delivery);
    await jobs.return();
    await stream.close();
    assert.equal(await pendingOf(), 0);
  },
);

/** How many script calls the server has run so far. */
async function scriptCalls(): Promise<number> {
  const stats = await admin.info('commandstats');
  return [...stats.matchAll(/^cmdstat_eval(?:sha)?:calls=(\d+)/gm)].reduce(
    (sum, [, calls]) => sum + Number(calls),
    0,
  );
}

test(
  'a batch of concurrent acks settles every job once, its result recorded, in a few calls',
  { skip, timeout },
  async () => {
    const name = newName();
    const jobs = range(50);
    await produceAll(name, jobs);
    const stream = await open(name, 'batcher', { capacity: 50 });
    const stop = new AbortController();
    const read: Delivery[] = [];
    for await (const delivery of stream.deliveries(stop.signal)) {
      read.push(delivery);
      if (read.length === jobs.length) break;
    }
    const callsBefore = await scriptCalls();
    const acked = await Promise.all(read.map((delivery) => stream.ack(delivery, delivery.job * 2)));
    const calls = (await scriptCalls()) - callsBefore;
    await stream.close();
    assert.deepEqual(acked, Array<boolean>(jobs.length).fill(true));
    assert.ok(calls <= 3, `${jobs.length} acks took ${calls} script calls`);
    await assertAllDone(name, jobs);
  },
);

test(
  'several producers together never let the stream hold more than buffer jobs',
  { skip, timeout },
  async () => {
    const name = newName();
    const buffer = 4;
    const producers = await Promise.all(
      range(6).map((producer) => open(name, `producer-${producer}`, { buffer })),
    );
    const producing = producers.map(async (producer, index) => {
      for (const job of range(10)) {
        await producer.produce(index * 10 + job, {}, new AbortController().signal);
      }
      await producer.close();
    });
    // No worker yet: the producers all wait at the bound, each ready to add one more.
    await sleep(300);
    let most = await admin.xLen(name);
    assert.equal(most, buffer);
    const sampling = new AbortController();
    const sampler = (async () => {
      while (!sampling.signal.aborted) {
        most = Math.max(most, await admin.xLen(name));
        await sleep(1);
      }
    })();
    const stop = new AbortController();
    const worker = work(await open(name, 'slow'), stop.signal, async ({ job }) => {
      await sleep(5);
      return job * 2;
    });
    await Promise.all(producing);
    await drained(name);
    stop.abort();
    sampling.abort();
    await sampler;
    assert.equal((await worker).acked.length, 60);
    assert.ok(most <= buffer, `the stream held ${most} jobs, buffer ${buffer}`);
  },
);

test(
  'a stop while an add is on its way waits for its reply: the job added is reported added',
  { skip, timeout },
  async () => {
    const name = newName();
    const producer = await open(name, 'producer');
    const stop = new AbortController();
    const adding = producer.produce(1, {}, stop.signal);
    await new Promise(setImmediate); // the client writes its queue on the next tick: now sent
    stop.abort();
    assert.equal(await adding, true);
    assert.equal(await admin.xLen(name), 1);
    await producer.close();
  },
);

test(
  'a stop while the stream is full ends the wait: nothing added, reported not added',
  { skip, timeout },
  async () => {
    const name = newName();
    const producer = await open(name, 'producer', { buffer: 1 });
    await producer.produce(1, {}, new AbortController().signal);
    const stop = new AbortController();
    const adding = producer.produce(2, {}, stop.signal);
    await sleep(100); // the stream holds its one job: the producer waits for room
    stop.abort();
    assert.equal(await adding, false);
    assert.equal(await admin.xLen(name), 1);
    await producer.close();
  },
);

test(
  'a stop while the connection is down drops the add still queued: reported not added',
  { skip, timeout },
  async () => {
    const own = await startRedis();
    let longestRetryMs = 0;
    const producer = await openStream(own.url, newName(), 'producer', {
      claimIdle: 200,
      maxDeliveries: 3,
      onRetry: (_, delayMs) => (longestRetryMs = Math.max(longestRetryMs, delayMs)),
    });
    await own.stop();
    const stop = new AbortController();
    const adding = producer.produce(1, {}, stop.signal); // waits in the client's queue
    await sleep(100);
    stop.abort(); // unsent, it can never reach a server that comes back
    assert.equal(await adding, false);
    await producer.close();
    await sleep(longestRetryMs + 50); // node-redis sleeps out a reconnect wait, even once closed
  },
);

test(
  'a produce whose reply was lost, tried again, adds its job once',
  { skip, timeout },
  async () => {
    const name = newName();
    const producer = await open(name, 'producer');
    await producer.produce(1, {}, new AbortController().signal);
    const [record] = await admin.keys(`${name}:producer:*`);
    assert.equal(await admin.get(record!), '1', "the first call's number is recorded");
    // What the script does for the second call: the add went through, and its reply was lost.
    await admin
      .multi()
      .xAdd(name, '*', { job: '2', payload: '{}' })
      .set(record!, '2', { EX: 86400 })
      .exec();
    await producer.produce(2, {}, new AbortController().signal); // its retry
    await producer.produce(3, {}, new AbortController().signal);
    await producer.close();
    const jobs = ((await admin.xRange(name, '-', '+')) ?? []).map((entry) =>
      Number(entry.message.job),
    );
    assert.deepEqual(jobs, [1, 2, 3]);
    assert.ok((await admin.ttl(record!)) > 86000, 'the record expires within a day');
  },
);

test(
  'connections killed again and again while producing: every job in the stream once',
  { skip, timeout: 60_000 },
  async () => {
    const name = newName();
    const producer = await open(name, 'producer', { onRetry: () => {} });
    const killing = new AbortController();
    const killer = (async () => {
      while (!killing.signal.aborted) {
        await admin.clientKill({ filter: 'TYPE', type: 'normal' }).catch(() => {});
        await sleep(10);
      }
    })();
    const produced = range(400);
    try {
      for (const job of produced) await producer.produce(job, {}, new AbortController().signal);
    } finally {
      killing.abort();
      await killer;
      await producer.close();
    }
    const jobs = ((await admin.xRange(name, '-', '+')) ?? []).map((entry) =>
      Number(entry.message.job),
    );
    assert.deepEqual(jobs, produced);
  },
);

test(
  'deliveries listens to the stop signal once, however many waits it has',
  { skip, timeout },
  async () => {
    const stream = await open(newName(), 'waiting', { capacity: 2 });
    const stop = new AbortController();
    const jobs = stream.deliveries(stop.signal);
    const next = jobs.next(); // nothing to read: a blocked read, tried until the stop
    await sleep(50);
    assert.equal(getEventListeners(stop.signal, 'abort').length, 1);
    stop.abort();
    assert.deepEqual(await next, { done: true, value: undefined });
    assert.equal(getEventListeners(stop.signal, 'abort').length, 0);
    await stream.close();
  },
);

test(
  'a key of the wrong type fails a batch of ends before any is recorded: all stay pending',
  { skip, timeout },
  async () => {
    const name = newName();
    await produceAll(name, range(4));
    await admin.set(`${name}:dead`, 'not a stream');
    const stream = await open(name, 'worker', { capacity: 4, maxDeliveries: 1 });
    const stop = new AbortController();
    const jobs = stream.deliveries(stop.signal);
    const held: Delivery[] = [];
    for (let n = 0; n < 4; n++) held.push((await jobs.next()).value as Delivery);
    // In one batch: the dead letter first, the acks after it.
    const ends = held.map((delivery, n) =>
      n === 0 ? stream.fail(delivery, 'poison') : stream.ack(delivery, delivery.job * 2),
    );
    for (const end of await Promise.allSettled(ends)) {
      assert.equal(end.status, 'rejected');
      assert.match(String((end as PromiseRejectedResult).reason), /WRONGTYPE/);
    }
    stop.abort();
    await jobs.return();
    await stream.close();
    assert.equal((await admin.xPending(name, `${name}:workers`)).pending, 4, 'all pending');
    assert.equal(await admin.xLen(name), 4, 'none deleted');
    assert.equal(await admin.exists(`${name}:results`), 0, 'no result recorded');
  },
);

test(
  'ends waiting on one signal listen to it once, and not at all once settled',
  { skip, timeout },
  async () => {
    const name = newName();
    await produceAll(name, range(20));
    const stream = await open(name, 'worker', { capacity: 20 });
    const stop = new AbortController();
    const jobs = stream.deliveries(stop.signal);
    const held: Delivery[] = [];
    for (let n = 0; n < 20; n++) held.push((await jobs.next()).value as Delivery);
    const deadline = new AbortController();
    const acks = held.map((delivery) =>
      stream.ack(delivery, delivery.job * 2, { signal: deadline.signal }),
    );
    assert.equal(getEventListeners(deadline.signal, 'abort').length, 1);
    assert.deepEqual(
      await Promise.all(acks),
      held.map(() => true),
    );
    assert.equal(getEventListeners(deadline.signal, 'abort').length, 0);
    stop.abort();
    await jobs.return();
    await stream.close();
    await assertAllDone(name, range(20));
  },
);

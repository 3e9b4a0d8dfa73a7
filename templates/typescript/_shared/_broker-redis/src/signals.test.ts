// A worker stopped by a signal: it drains and acknowledges the jobs it holds, and at the drain
// deadline leaves what is still running pending, for another worker to claim and complete.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import {
  type RedisServer,
  skipWithoutRedis,
  startRedis,
  startSilentServer,
  startWorker,
} from './redis-testing.js';

const skip = skipWithoutRedis();
const timeout = 30_000;
let server: RedisServer;
let admin: ReturnType<typeof createClient>;
let streams = 0;

before(async () => {
  if (skip) return;
  server = await startRedis();
  admin = createClient({ url: server.url });
  await admin.connect();
});

after(async () => {
  if (skip) return;
  admin.destroy();
  await server.stop();
});

/** Produces `jobs` jobs of `workMs` each on a new stream; returns the flags of that stream. */
async function produced(jobs: number, workMs: number): Promise<string[]> {
  const common = ['--stream', `signals${++streams}:jobs`, '--claim-idle-ms', '300'];
  const producer = startWorker(server.url, [
    ...['--role', 'producer', '--jobs', String(jobs), '--buffer', String(jobs)],
    ...['--work-ms', String(workMs), ...common],
  ]);
  assert.equal((await producer.exited).code, 0);
  return common;
}

test(
  'SIGTERM: the worker drains and acknowledges the jobs in flight, and exits 0',
  { skip, timeout },
  async () => {
    const common = await produced(3, 400);
    const worker = startWorker(server.url, ['--role', 'worker', '--workers', '3', ...common]);
    await worker.waitFor((event) => event.event === 'ready');
    await worker.waitFor((event) => event.event === 'start' && event.job === 3);
    worker.signal('SIGTERM');
    const { code, events } = await worker.exited;
    assert.equal(code, 0);
    const stopping = events.findIndex((event) => event.event === 'stopping');
    assert.ok(stopping > 0);
    const done = events.slice(stopping).filter((event) => event.event === 'done');
    assert.equal(done.length, 3, 'the jobs in flight finished after the stop');
    assert.equal(await admin.xLen(common[1]!), 0, 'and were acknowledged');
  },
);

test(
  'drain deadline: exit 1, the job stays pending, and another worker completes it',
  { skip, timeout },
  async () => {
    const common = await produced(1, 1500);
    const stream = common[1]!;
    const stopped = startWorker(server.url, [
      ...['--role', 'worker', '--consumer', 'stopped', '--drain-ms', '100', ...common],
    ]);
    await stopped.waitFor((event) => event.event === 'start');
    stopped.signal('SIGTERM');
    const { code, events } = await stopped.exited;
    assert.equal(code, 1);
    assert.deepEqual(
      events.filter((event) => event.event === 'cancel').map((event) => event.job),
      [1],
    );
    const pending = await admin.xPendingRange(stream, `${stream}:workers`, '-', '+', 10);
    assert.deepEqual(
      pending.map(({ consumer }) => consumer),
      ['stopped'],
    );

    const rescuer = startWorker(server.url, [
      ...['--role', 'worker', '--consumer', 'rescuer', '--idle-exit-ms', '300', ...common],
    ]);
    const rescued = await rescuer.exited;
    assert.equal(rescued.code, 0);
    const ofJob1 = rescued.events.filter(
      (event) => event.job === 1 && event.event !== 'consume', // producer-consumer's own
    );
    assert.deepEqual(
      ofJob1.map((event) => [event.event, event.from]),
      [
        ['claim', 'stopped'],
        ['start', undefined],
        ['done', undefined],
      ],
    );
    assert.equal(await admin.xLen(stream), 0);
  },
);

// Nothing was taken from the stream yet, so nothing is held and nothing failed: the worker exits
// 0 at once with an empty summary, waiting neither for the start-up limit nor for a connection
// or a reply that never comes.
for (const [server, refusing] of [
  ['never answers', false],
  ['refuses connections', true],
] as const) {
  test(
    `a stop during the start-up, while the server ${server}, is a stop: exit 0 at once`,
    { timeout },
    async () => {
      const silent = await startSilentServer();
      try {
        const worker = startWorker(silent.url, ['--role', 'worker']);
        await silent.connected; // in its start-up, its signal listeners in place
        if (refusing) {
          await silent.close();
          await sleep(300); // a refusal or two, and a wait to try again
        }
        const signalledAt = performance.now();
        worker.signal('SIGTERM');
        const hung = setTimeout(() => worker.signal('SIGKILL'), 5_000); // a hang fails, not stalls
        const { code, events, stderr } = await worker.exited;
        clearTimeout(hung);
        assert.ok(performance.now() - signalledAt < 2_000, 'out at once after the signal');
        assert.equal(code, 0, stderr);
        assert.doesNotMatch(stderr, /cannot reach/);
        const summary = events.at(-1);
        assert.deepEqual(
          [summary?.event, summary?.submitted, summary?.completed, summary?.failed],
          ['summary', 0, 0, 0],
        );
      } finally {
        await silent.close();
      }
    },
  );
}

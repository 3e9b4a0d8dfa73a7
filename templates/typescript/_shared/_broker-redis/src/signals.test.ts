// A worker stopped by a signal: the jobs it was running are cancelled, not acknowledged, and so
// another worker claims and completes them. Nothing is lost.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient } from 'redis';
import { type RedisServer, skipWithoutRedis, startRedis, startWorker } from './redis-testing.js';
import { range } from './testing.js';

const skip = skipWithoutRedis();
const timeout = 30_000;
let server: RedisServer;
let admin: ReturnType<typeof createClient>;

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

test(
  'SIGTERM cancels the jobs running and leaves them pending; another worker completes them',
  { skip, timeout },
  async () => {
    const stream = 'signals:jobs';
    const common = ['--stream', stream, '--claim-idle-ms', '300', '--buffer', '6'];
    const producer = startWorker(server.url, [
      ...['--role', 'producer', '--jobs', '6', '--work-ms', '1000', ...common],
    ]);
    assert.equal((await producer.exited).code, 0);
    const stopped = startWorker(server.url, [
      ...['--role', 'worker', '--consumer', 'stopped', '--workers', '2', ...common],
    ]);
    await stopped.waitFor((event) => event.event === 'start');
    await stopped.waitFor((event) => event.event === 'start' && event.worker === 2);
    stopped.signal('SIGTERM');
    const { code, events } = await stopped.exited;
    assert.equal(code, 1);
    const cancelled = events.filter((event) => event.event === 'cancel').map((event) => event.job);
    assert.equal(cancelled.length, 2);
    const pending = await admin.xPendingRange(stream, `${stream}:workers`, '-', '+', 10);
    assert.deepEqual(
      pending.map(({ consumer }) => consumer),
      ['stopped', 'stopped'],
      'only the cancelled jobs are pending: the others went back to the stream',
    );

    const rescuer = startWorker(server.url, [
      ...['--role', 'worker', '--consumer', 'rescuer', '--workers', '6', '--idle-exit-ms', '300'],
      ...common,
    ]);
    const rescued = await rescuer.exited;
    assert.equal(rescued.code, 0);
    const claimed = rescued.events.filter((event) => event.event === 'claim');
    assert.deepEqual(
      claimed.map((event) => [event.job, event.from]).sort(),
      cancelled.map((job) => [job, 'stopped']).sort(),
    );
    const done = rescued.events.filter((event) => event.event === 'done').map((e) => e.job!);
    assert.deepEqual(
      done.sort((a, b) => a - b),
      range(6),
    );
    assert.equal(await admin.xLen(stream), 0);
  },
);

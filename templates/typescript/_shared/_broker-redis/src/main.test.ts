// The program as its users run it, as producer and worker processes on one stream.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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
import { type ProgramEvent, range } from './testing.js';

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

/** A stream of its own for each test. */
const newName = () => `program${++streams}:jobs`;

const start = (stream: string, args: string[]) =>
  startWorker(server.url, ['--stream', stream, ...args]);

/** The jobs that ended `done`, each as many times as it did, in order. */
const doneJobs = (events: ProgramEvent[]) =>
  events
    .filter((event) => event.event === 'done')
    .map((event) => event.job!)
    .sort((a, b) => a - b);

async function assertAllAcknowledged(stream: string, jobs: number[]): Promise<void> {
  assert.equal((await admin.xPending(stream, `${stream}:workers`)).pending, 0, 'nothing pending');
  assert.equal(await admin.xLen(stream), 0, 'nothing left in the stream');
  const results = await admin.hGetAll(`${stream}:results`);
  assert.deepEqual(
    { ...results },
    Object.fromEntries(jobs.map((job) => [String(job), String(job * 2)])),
  );
}

test(
  'one producer and two worker processes do every job exactly once',
  { skip, timeout },
  async () => {
    const stream = newName();
    const jobs = range(20);
    const common = ['--work-ms', '10', '--claim-idle-ms', '500'];
    const producer = start(stream, [
      '--role',
      'producer',
      '--jobs',
      '20',
      '--buffer',
      '4',
      ...common,
    ]);
    const workers = ['a', 'b'].map((consumer) =>
      start(stream, [
        '--role',
        'worker',
        '--consumer',
        consumer,
        '--idle-exit-ms',
        '500',
        ...common,
      ]),
    );
    const produced = await producer.exited;
    assert.equal(produced.code, 0);
    assert.equal(produced.events.at(-1)?.submitted, 20);
    const ends = await Promise.all(workers.map((worker) => worker.exited));
    assert.deepEqual(
      ends.map(({ code }) => code),
      [0, 0],
    );
    assert.deepEqual(doneJobs(ends.flatMap(({ events }) => events)), jobs);
    // Nothing else on stderr: no warning either (a listener left on a signal per job would).
    assert.deepEqual(
      ends.map(({ stderr }) => stderr),
      ['', ''],
    );
    await assertAllAcknowledged(stream, jobs);
  },
);

test(
  'a worker killed with SIGKILL mid-job: another claims its job and completes it',
  { skip, timeout },
  async () => {
    const stream = newName();
    const jobs = range(4);
    const common = ['--claim-idle-ms', '300', '--work-ms', '300'];
    const producer = start(stream, [
      '--role',
      'producer',
      '--jobs',
      '4',
      '--buffer',
      '4',
      ...common,
    ]);
    assert.equal((await producer.exited).code, 0);
    const killed = start(stream, [
      '--role',
      'worker',
      '--consumer',
      'killed',
      '--workers',
      '1',
      ...common,
    ]);
    const { job } = await killed.waitFor((event) => event.event === 'start');
    killed.signal('SIGKILL');
    await killed.exited;
    const rescuer = start(stream, [
      '--role',
      'worker',
      '--consumer',
      'rescuer',
      '--idle-exit-ms',
      '300',
      ...common,
    ]);
    const { code, events } = await rescuer.exited;
    assert.equal(code, 0);
    // Producer-consumer's killed worker also held the jobs waiting in its buffer.
    const claims = events.filter((event) => event.event === 'claim');
    assert.ok(
      claims.some((event) => event.job === job),
      'the job it was running was claimed',
    );
    assert.ok(claims.every((event) => event.from === 'killed'));
    assert.deepEqual(doneJobs(events), jobs);
    await assertAllAcknowledged(stream, jobs);
  },
);

test(
  'a poison job is delivered --max-deliveries times, then dead-lettered; exit 1',
  { skip, timeout },
  async () => {
    const stream = newName();
    const program = start(stream, [
      ...['--jobs', '3', '--fail-every', '3', '--work-ms', '5'],
      ...['--max-deliveries', '3', '--claim-idle-ms', '200'],
    ]);
    const { code, events } = await program.exited;
    assert.equal(code, 1);
    const ofJob3 = events.filter((event) => event.job === 3).map((event) => event.event);
    assert.deepEqual(
      ofJob3.filter((event) => ['start', 'fail', 'dead'].includes(event)),
      ['start', 'fail', 'start', 'fail', 'start', 'dead'],
    );
    assert.deepEqual(doneJobs(events), [1, 2]);
    const letters = (await admin.xRange(`${stream}:dead`, '-', '+')) ?? [];
    assert.deepEqual(
      letters.map(({ message }) => [message.job, message.error, message.deliveries]),
      [['3', 'injected failure in job 3', '3']],
    );
    assert.equal((await admin.xPending(stream, `${stream}:workers`)).pending, 0);
    const summary = events.at(-1)!;
    assert.deepEqual([summary.failed, summary.dead, summary.claimed], [2, 1, 2]);
  },
);

/** Two worker processes `a` and `b` on `stream`, with `args`, exiting once it is empty. */
const twoWorkers = (stream: string, args: string[]) =>
  ['a', 'b'].map((consumer) =>
    start(stream, [
      ...['--role', 'worker', '--consumer', consumer, '--idle-exit-ms', '500'],
      ...args,
    ]),
  );

test(
  'a job slower than --claim-idle-ms with two workers is acknowledged exactly once',
  { skip, timeout },
  async () => {
    const stream = newName();
    const common = ['--workers', '2', '--claim-idle-ms', '300', '--work-ms', '1500'];
    const producer = start(stream, ['--role', 'producer', '--jobs', '1', ...common]);
    assert.equal((await producer.exited).code, 0);
    let longest = 0;
    const sampling = setInterval(() => {
      admin.xLen(stream).then(
        (length) => (longest = Math.max(longest, length)),
        () => {},
      );
    }, 20);
    const ends = await Promise.all(twoWorkers(stream, common).map((worker) => worker.exited));
    clearInterval(sampling);
    const events = ends.flatMap(({ events }) => events);
    // The claimer runs it again while the slow one finishes: one of them is told it was done.
    assert.deepEqual(doneJobs(events), [1]);
    assert.ok(longest <= 1, `the stream held ${longest} entries for one job`);
    await assertAllAcknowledged(stream, [1]);
  },
);

test(
  'a failing job claimed while it runs on its last delivery is dead-lettered once',
  { skip, timeout },
  async () => {
    const stream = newName();
    const common = ['--claim-idle-ms', '300', '--max-deliveries', '1', '--work-ms', '1000'];
    const producer = start(stream, [
      ...['--role', 'producer', '--jobs', '1', '--fail-every', '1', ...common],
    ]);
    assert.equal((await producer.exited).code, 0);
    await Promise.all(twoWorkers(stream, common).map((worker) => worker.exited));
    const letters = (await admin.xRange(`${stream}:dead`, '-', '+')) ?? [];
    assert.deepEqual(
      letters.map(({ message }) => message.job),
      ['1'],
    );
    assert.equal((await admin.xPending(stream, `${stream}:workers`)).pending, 0);
    assert.equal(await admin.xLen(stream), 0);
  },
);

test(
  'a server gone during the drain: exit 1 at --drain-ms, the job left unacknowledged',
  { skip, timeout },
  async () => {
    const own = await startRedis(); // this test stops it
    try {
      const common = ['--stream', newName(), '--work-ms', '300'];
      const producer = startWorker(own.url, [...common, '--role', 'producer', '--jobs', '1']);
      assert.equal((await producer.exited).code, 0);
      const worker = startWorker(own.url, [...common, '--role', 'worker', '--drain-ms', '1500']);
      await worker.waitFor((event) => event.event === 'start');
      worker.signal('SIGTERM');
      await own.stop(); // the job ends while the server is gone: it cannot be acknowledged
      const stoppedAt = performance.now();
      const { code, events } = await worker.exited;
      assert.ok(performance.now() - stoppedAt < 5000, 'it did not wait for the server');
      assert.equal(code, 1);
      assert.deepEqual(
        events
          .filter((event) => event.job === 1 && event.event !== 'consume')
          .map((event) => event.event),
        ['start', 'cancel'],
      );
    } finally {
      await own.stop();
    }
  },
);

test(
  'a dropped connection is reported and retried; every job is still done once',
  { skip, timeout },
  async () => {
    const stream = newName();
    const jobs = range(30);
    // All produced first, so that the dropped connections fall on the worker's reads and
    // settlements.
    const producer = start(stream, [
      ...['--role', 'producer', '--jobs', '30', '--buffer', '30', '--work-ms', '20'],
    ]);
    assert.equal((await producer.exited).code, 0);
    const program = start(stream, [
      ...['--role', 'worker', '--claim-idle-ms', '500', '--idle-exit-ms', '300'],
    ]);
    await program.waitFor((event) => event.event === 'done' && event.job === 5);
    await admin.clientKill({ filter: 'TYPE', type: 'normal' });
    const { code, events, stderr } = await program.exited;
    assert.equal(code, 0);
    assert.match(stderr, /^redis: .+; retrying in \d+ ms$/m);
    assert.deepEqual(doneJobs(events), jobs);
    await assertAllAcknowledged(stream, jobs);
  },
);

test(
  'an unreachable server at start: exit 1 within 10 s, one line, no password',
  { skip, timeout },
  () => {
    const main = new URL('./main.js', import.meta.url).pathname;
    const startedAt = performance.now();
    const url = 'redis://user:secret@127.0.0.1:1/0';
    const { status, stderr } = spawnSync(
      process.execPath,
      [main, '--role', 'worker', '--redis-url', url],
      { encoding: 'utf8', timeout: 15_000 },
    );
    assert.ok(performance.now() - startedAt < 10_000);
    assert.equal(status, 1);
    assert.match(stderr, /^error: cannot reach redis:\/\/user:\*\*\*@127\.0\.0\.1:1\/0: .+\n$/);
  },
);

// A frozen server accepts the connection and never answers: the client's handshake has no
// timeout of its own, so the start-up limit must bound the start as a whole.
test(
  'a server that never answers at start: exit 1 within 10 s, one line, nothing taken',
  { timeout },
  async () => {
    const silent = await startSilentServer();
    try {
      const startedAt = performance.now();
      const url = silent.url.replace('redis://', 'redis://user:secret@');
      const worker = startWorker(url, ['--role', 'worker']);
      const hung = setTimeout(() => worker.signal('SIGKILL'), 15_000); // a hang fails, not stalls
      const { code, events, stderr } = await worker.exited;
      clearTimeout(hung);
      const tookMs = Math.round(performance.now() - startedAt);
      assert.ok(tookMs < 10_000, `exited after ${tookMs} ms`);
      assert.equal(code, 1, stderr);
      assert.match(stderr, /^error: cannot reach redis:\/\/user:\*\*\*@127\.0\.0\.1:\d+\/0: .+\n$/);
      assert.ok(stderr.includes(url.replace(':secret@', ':***@')), stderr);
      assert.deepEqual(events, []); // not ready, nothing taken
    } finally {
      await silent.close();
    }
  },
);

for (const [flag, value] of [
  ['--role', 'boss'],
  ['--redis-url', 'http://127.0.0.1:6379'],
  ['--redis-url', 'redis://127.0.0.1:99999/0'],
] as const) {
  test(`${flag} ${value} is a usage error: exit 2 and a hint`, { timeout }, () => {
    const main = new URL('./main.js', import.meta.url).pathname;
    const { status, stderr } = spawnSync(process.execPath, [main, flag, value], {
      encoding: 'utf8',
    });
    assert.equal(status, 2);
    assert.match(stderr, new RegExp(`^error: ${flag} .+\\nrun with --help for usage\\n$`));
  });
}

test(
  'an error reply no retry can help (WRONGTYPE): one line, exit 1, the jobs left pending',
  { skip, timeout },
  async () => {
    const stream = newName();
    const producer = start(stream, ['--role', 'producer', '--jobs', '4', '--buffer', '4']);
    assert.equal((await producer.exited).code, 0);
    await admin.set(`${stream}:results`, 'not a hash'); // recording a result fails
    const worker = start(stream, [...['--role', 'worker', '--workers', '2', '--work-ms', '5']]);
    const { code, stderr, events } = await worker.exited;
    assert.equal(code, 1);
    assert.match(stderr, /^error: WRONGTYPE [^\n]+\n$/);
    assert.deepEqual(doneJobs(events), []);
    assert.equal(await admin.xLen(stream), 4, 'every job is still in the stream');
    const pending = await admin.xPending(stream, `${stream}:workers`);
    assert.equal(pending.pending, 2, 'the jobs it held stay pending, for another worker');
  },
);

test(
  'a busy server (BUSY, a long script) is waited out: reported, retried, every job done once',
  { skip, timeout },
  async () => {
    const stream = newName();
    const jobs = range(20);
    const producer = start(stream, ['--role', 'producer', '--jobs', '20', '--buffer', '20']);
    assert.equal((await producer.exited).code, 0);
    const worker = start(stream, [
      ...['--role', 'worker', '--work-ms', '20', '--idle-exit-ms', '300'],
    ]);
    await worker.waitFor((event) => event.event === 'done');
    // Past this many ms, a running script makes the server answer every other client BUSY.
    await admin.configSet('lua-time-limit', '50');
    const busy = admin.duplicate();
    await busy.connect();
    try {
      await busy.eval(
        'local t = redis.call("TIME") local until_ = t[1] * 1000000 + t[2] + 800000 ' +
          'repeat t = redis.call("TIME") until t[1] * 1000000 + t[2] >= until_',
      );
    } finally {
      busy.destroy();
      await admin.configSet('lua-time-limit', '5000');
    }
    const { code, events, stderr } = await worker.exited;
    assert.equal(code, 0);
    assert.match(stderr, /^redis: BUSY .+; retrying in \d+ ms$/m);
    assert.deepEqual(doneJobs(events), jobs);
    await assertAllAcknowledged(stream, jobs);
  },
);

test(
  'a dead letter refused (its key of the wrong type): one line, exit 1, every entry pending',
  { skip, timeout },
  async () => {
    const stream = newName();
    const producer = start(stream, ['--role', 'producer', '--jobs', '4', '--buffer', '4']);
    assert.equal((await producer.exited).code, 0);
    await admin.set(`${stream}:dead`, 'not a stream');
    const worker = start(stream, [
      ...['--role', 'worker', '--workers', '4', '--work-ms', '5'],
      ...['--fail-every', '2', '--max-deliveries', '1'],
    ]);
    const { code, stderr } = await worker.exited;
    assert.equal(code, 1);
    assert.match(stderr, /^error: WRONGTYPE [^\n]+\n$/);
    // An entry acknowledged and not deleted would be in the stream and pending no more.
    const pending = await admin.xPending(stream, `${stream}:workers`);
    assert.equal(await admin.xLen(stream), 4);
    assert.equal(pending.pending, 4, 'none acknowledged');
  },
);

test(
  "each job's produce comes before its start, with a buffer smaller than the jobs",
  { skip, timeout },
  async () => {
    const stream = newName();
    const both = start(stream, [...['--jobs', '50', '--work-ms', '0', '--buffer', '4']]);
    const { code, events } = await both.exited;
    assert.equal(code, 0);
    const produced = new Set<number>();
    for (const { event, job } of events) {
      if (event === 'produce') produced.add(job!);
      if (event === 'start') assert.ok(produced.has(job!), `job ${job} started before produce`);
    }
    assert.equal(produced.size, 50);
  },
);

test(
  'a producer stopped while it waits for room exits 0: the job it was adding was never submitted',
  { skip, timeout },
  async () => {
    const stream = newName();
    const producer = start(stream, ['--role', 'producer', '--jobs', '0', '--buffer', '4']);
    await producer.waitFor((event) => event.event === 'produce' && event.job === 4);
    await sleep(300); // the stream is full: it waits to add job 5
    producer.signal('SIGTERM');
    const { code, events } = await producer.exited;
    assert.equal(code, 0);
    assert.deepEqual(
      events.filter((event) => event.event === 'cancel'),
      [],
    );
    assert.equal(events.at(-1)?.submitted, 4);
    assert.equal(await admin.xLen(stream), 4);
  },
);

test(
  'a producer stopped between adds reports every job it put in the stream, and no other',
  { skip, timeout },
  async () => {
    // The stop lands at a different point of the add loop each round, most often mid-add.
    for (const round of range(5)) {
      const stream = newName();
      const producer = start(stream, ['--role', 'producer', '--jobs', '0', '--buffer', '100000']);
      await producer.waitFor((event) => event.event === 'produce' && event.job === 40 + round * 7);
      producer.signal('SIGTERM');
      const { code, events } = await producer.exited;
      assert.equal(code, 0);
      const produced = events.filter((event) => event.event === 'produce').length;
      assert.equal(events.at(-1)?.submitted, produced);
      assert.equal(await admin.xLen(stream), produced, `round ${round}: added, not reported`);
    }
  },
);

test(
  'a stop while the server does not answer keeps --drain-ms, idle or with jobs in flight',
  { skip, timeout },
  async () => {
    const stream = newName();
    // The producer sets each job's work: long enough to be in flight when the server stops.
    const producer = start(stream, [
      ...['--role', 'producer', '--jobs', '2', '--buffer', '2', '--work-ms', '10000'],
    ]);
    assert.equal((await producer.exited).code, 0);
    const args = ['--role', 'worker', '--drain-ms', '200', '--workers', '2'];
    const busy = start(stream, args);
    await busy.waitFor((event) => event.event === 'start' && event.worker === 2);
    const idle = start(`${stream}:idle`, args);
    await idle.waitFor((event) => event.event === 'ready');
    const pid = Number(/process_id:(\d+)/.exec(await admin.info('server'))![1]);
    process.kill(pid, 'SIGSTOP');
    try {
      const stoppedAt = performance.now();
      busy.signal('SIGTERM');
      idle.signal('SIGTERM');
      const [busyEnd, idleEnd] = await Promise.all([busy.exited, idle.exited]);
      assert.ok(performance.now() - stoppedAt < 1500, 'out within the drain time and a second');
      assert.equal(idleEnd.code, 0);
      assert.equal(busyEnd.code, 1);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const pending = await admin.xPending(stream, `${stream}:workers`);
    assert.equal(pending.pending, 2, 'the jobs in flight stay pending');
  },
);

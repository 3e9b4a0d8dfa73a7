// The broker scenarios of the conformance suite (SPEC §8): the same checks
// for every target's `--broker redis` program, against a real redis-server.
// Each scenario uses a stream of its own, so they may share one server.
// What a scenario judges is the system, not one process: across every
// process of the scenario each job is acknowledged (`done` or `dead`) exactly
// once, and the stream ends empty with nothing pending.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { missingRedisMessage, redisAvailable, redisRequired, startRedis, type RedisServer } from '../redis-server.js';
import type { Subject } from './runner.js';

// BROKER_RUNS=20 runs every scenario 20 times (the goal: no job lost
// or acknowledged twice over 20 runs); each run has a stream of its own.
const runs = Number(process.env.BROKER_RUNS ?? '1');
if (!Number.isInteger(runs) || runs < 1)
  throw new Error(`BROKER_RUNS must be a whole number >= 1, got ${process.env.BROKER_RUNS}`);

export interface BrokerEvent {
  event: string;
  job?: number;
  worker?: number;
  [field: string]: unknown;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  wallMs: number;
}

/** One program running: its events so far, and how it ended. */
export class Program {
  readonly events: BrokerEvent[] = [];
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  readonly #pid: number;
  #waiters = new Set<() => void>();

  constructor(subject: Subject, args: string[]) {
    const [file, ...rest] = [...subject.command, ...args];
    const startedAt = performance.now();
    const child = spawn(file!, rest, {
      cwd: subject.cwd,
      env: { ...process.env, ...subject.env },
      detached: true, // its own group: SIGKILL reaches its children too
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) throw new Error(`cannot start ${file}`);
    this.#pid = child.pid;
    let partial = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        try {
          this.events.push(JSON.parse(line) as BrokerEvent);
        } catch {
          this.events.push({ event: 'not-json', line });
        }
      }
      for (const wake of this.#waiters) wake();
    });
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) =>
      child.once('close', (code, signal) => {
        for (const wake of this.#waiters) wake();
        resolve({ code, signal, wallMs: performance.now() - startedAt });
      }),
    );
  }

  /** Waits until an event matches, failing after `timeoutMs`. */
  async waitFor(match: (event: BrokerEvent) => boolean, what: string, timeoutMs = 20_000): Promise<BrokerEvent> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      const exit = await Promise.race([this.exited.then((e) => e), sleep(0).then(() => undefined)]);
      if (exit && !this.events.find(match)) {
        throw new Error(`exited ${exit.code ?? exit.signal} before ${what}\n${this.describe()}`);
      }
      if (performance.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms\n${this.describe()}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#waiters.delete(wake);
          resolve();
        };
        this.#waiters.add(wake);
        setTimeout(wake, 100);
      });
    }
  }

  signal(signal: NodeJS.Signals, group = false): void {
    try {
      process.kill(group ? -this.#pid : this.#pid, signal);
    } catch {
      // already gone
    }
  }

  /** Waits for the exit, killing the group at `timeoutMs`. */
  async end(timeoutMs = 30_000): Promise<Exit> {
    const timer = setTimeout(() => this.signal('SIGKILL', true), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  of(kind: string): BrokerEvent[] {
    return this.events.filter((event) => event.event === kind);
  }

  summary(): BrokerEvent | undefined {
    return this.of('summary').at(-1);
  }

  describe(): string {
    return `stdout:\n${this.stdout.slice(-3000)}\nstderr:\n${this.stderr.slice(-2000)}`;
  }
}

/** A TCP server that accepts connections and never answers, as a frozen redis-server does. */
async function listenSilently(): Promise<{ port: number; connected: Promise<void>; close(): void }> {
  const sockets = new Set<Socket>();
  let accepted!: () => void;
  const connected = new Promise<void>((resolve) => (accepted = resolve));
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {}); // the program's exit resets it
    accepted();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connected,
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

const jobsOf = (events: readonly BrokerEvent[]): number[] => events.map((event) => event.job!).sort((a, b) => a - b);
const range = (n: number): number[] => Array.from({ length: n }, (_, index) => index + 1);

/** The judge of every scenario: each job acknowledged once across `programs`, nothing left in the stream. */
async function expectEveryJobAcknowledgedOnce(
  redis: RedisServer,
  stream: string,
  programs: readonly Program[],
  expected: { done: number[]; dead?: number[] },
): Promise<void> {
  const context = programs.map((program) => program.describe()).join('\n----\n');
  const all = programs.flatMap((program) => program.events);
  expect(jobsOf(all.filter((e) => e.event === 'done')), `done, once per job\n${context}`).toEqual(expected.done);
  expect(jobsOf(all.filter((e) => e.event === 'dead')), `dead, once per job\n${context}`).toEqual(expected.dead ?? []);
  for (const done of all.filter((e) => e.event === 'done')) expect(done.result).toBe(done.job! * 2);
  expect(await redis.command('XLEN', stream), 'entries left in the stream').toBe('0');
  const pending = await redis.command('XPENDING', stream, `${stream}:workers`);
  expect(pending.split('\n')[0], 'entries left pending').toBe('0');
  const results = await redis.command('HLEN', `${stream}:results`);
  expect(Number(results), 'results recorded').toBe(expected.done.length);
}

export function defineBrokerConformance(subject: Subject): void {
  describe(`broker conformance of ${subject.target} ${subject.pattern}`, () => {
    let redis: RedisServer | undefined;
    let skipped = false;
    beforeAll(async () => {
      if (!(await redisAvailable())) {
        if (redisRequired) throw new Error(`REQUIRE_REDIS=1 but ${missingRedisMessage.split(':')[0]}`);
        skipped = true;
        console.warn(missingRedisMessage);
        return;
      }
      redis = await startRedis();
    }, 30_000);
    afterAll(async () => redis?.stop());

    const scenario = (name: string, body: (redis: RedisServer, stream: string) => Promise<void>, timeoutMs = 60_000) =>
      test(name, { timeout: timeoutMs, repeats: runs - 1 }, async (context) => {
        if (skipped) return context.skip(missingRedisMessage);
        await body(redis!, `cc:${name}:${randomUUID().slice(0, 8)}`);
      });
    const run = (redis: RedisServer, stream: string, ...args: Array<string | number>) =>
      new Program(subject, ['--json', '--redis-url', redis.url, '--stream', stream, ...args.map(String)]);

    scenario('both-roles-complete-every-job-once', async (redis, stream) => {
      const program = run(redis, stream, '--role', 'both', '--jobs', 12, '--workers', 3, '--work-ms', 20);
      const exit = await program.end();
      expect(exit.code, program.describe()).toBe(0);
      expect(jobsOf(program.of('produce'))).toEqual(range(12));
      await expectEveryJobAcknowledgedOnce(redis, stream, [program], { done: range(12) });
      expect(program.summary()).toMatchObject({ submitted: 12, completed: 12, claimed: 0, dead: 0, duplicates: 0 });
    });

    scenario('a-producer-feeds-two-workers', async (redis, stream) => {
      const producer = run(redis, stream, '--role', 'producer', '--jobs', 30, '--buffer', 100, '--work-ms', 5);
      expect((await producer.end()).code, producer.describe()).toBe(0);
      expect(jobsOf(producer.of('produce'))).toEqual(range(30));
      expect(await redis.command('XLEN', stream)).toBe('30');
      const workers = ['w1', 'w2'].map((consumer) =>
        run(redis, stream, '--role', 'worker', '--consumer', consumer, '--workers', 2, '--idle-exit-ms', 400),
      );
      for (const worker of workers) expect((await worker.end()).code, worker.describe()).toBe(0);
      await expectEveryJobAcknowledgedOnce(redis, stream, workers, { done: range(30) });
    });

    scenario('the-producer-waits-at-buffer', async (redis, stream) => {
      // The producer first: it fills the stream to the buffer and waits there,
      // so the worker's idle exit cannot come before the jobs do.
      const producer = run(redis, stream, '--role', 'producer', '--jobs', 10, '--buffer', 3, '--work-ms', 60);
      await producer.waitFor((e) => e.event === 'produce' && e.job === 3, 'three jobs produced');
      await sleep(300);
      expect(Number(await redis.command('XLEN', stream)), 'a producer waits at the buffer').toBe(3);
      const worker = run(redis, stream, '--role', 'worker', '--workers', 1, '--idle-exit-ms', 1500);
      let most = 3;
      while ((await Promise.race([producer.exited, sleep(10)])) === undefined) {
        most = Math.max(most, Number(await redis.command('XLEN', stream)));
      }
      expect(most, 'the backlog seen while producing').toBeLessThanOrEqual(3);
      expect((await producer.end()).code, producer.describe()).toBe(0);
      expect((await worker.end()).code, worker.describe()).toBe(0);
      await expectEveryJobAcknowledgedOnce(redis, stream, [producer, worker], { done: range(10) });
    });

    scenario('a-producer-stopped-while-it-waits-exits-0', async (redis, stream) => {
      const producer = run(redis, stream, '--role', 'producer', '--jobs', 0, '--buffer', 3);
      await producer.waitFor((e) => e.event === 'produce' && e.job === 3, 'three jobs produced');
      await sleep(300); // the stream is full: it waits to add job 4
      producer.signal('SIGTERM');
      expect((await producer.end()).code, producer.describe()).toBe(0);
      expect(jobsOf(producer.of('produce')), 'job 4 was never submitted').toEqual(range(3));
      expect(producer.of('cancel')).toEqual([]);
      expect(await redis.command('XLEN', stream)).toBe('3');
    });

    scenario('a-killed-workers-job-is-claimed-and-completed', async (redis, stream) => {
      const producer = run(redis, stream, '--role', 'producer', '--jobs', 1, '--work-ms', 1500);
      expect((await producer.end()).code, producer.describe()).toBe(0);
      const doomed = run(redis, stream, '--role', 'worker', '--consumer', 'doomed', '--workers', 1);
      await doomed.waitFor((e) => e.event === 'start' && e.job === 1, 'start of job 1');
      doomed.signal('SIGKILL', true);
      await doomed.end();
      expect(await redis.command('XLEN', stream), 'the killed worker’s job is still there').toBe('1');
      const heir = run(
        redis,
        stream,
        '--role',
        'worker',
        '--consumer',
        'heir',
        '--claim-idle-ms',
        300,
        '--idle-exit-ms',
        500,
      );
      expect((await heir.end()).code, heir.describe()).toBe(0);
      expect(heir.of('claim')).toMatchObject([{ job: 1, from: 'doomed' }]);
      await expectEveryJobAcknowledgedOnce(redis, stream, [heir], { done: [1] });
      expect(heir.summary()).toMatchObject({ claimed: 1, completed: 1 });
    });

    scenario('a-poison-job-goes-to-the-dead-letter-stream', async (redis, stream) => {
      const program = run(
        redis,
        stream,
        ...['--role', 'both', '--jobs', 4, '--fail-every', 2, '--work-ms', 5],
        ...['--max-deliveries', 3, '--claim-idle-ms', 200],
      );
      const exit = await program.end();
      expect(exit.code, program.describe()).toBe(1);
      await expectEveryJobAcknowledgedOnce(redis, stream, [program], { done: [1, 3], dead: [2, 4] });
      expect(jobsOf(program.of('fail')), 'two failed deliveries each before the third goes dead').toEqual([2, 2, 4, 4]);
      expect(await redis.command('XLEN', `${stream}:dead`)).toBe('2');
      expect(await redis.command('XRANGE', `${stream}:dead`, '-', '+')).toContain('injected failure');
      expect(program.summary()).toMatchObject({ dead: 2, completed: 2 });
    });

    scenario('sigterm-drains-acknowledges-and-exits-0', async (redis, stream) => {
      const producer = run(redis, stream, '--role', 'producer', '--jobs', 3, '--buffer', 10, '--work-ms', 800);
      expect((await producer.end()).code, producer.describe()).toBe(0);
      const worker = run(redis, stream, '--role', 'worker', '--workers', 3);
      await worker.waitFor((e) => e.event === 'start' && worker.of('start').length === 3, 'three starts');
      worker.signal('SIGTERM');
      const exit = await worker.end();
      expect(exit.code, worker.describe()).toBe(0);
      expect(worker.of('stopping')).toHaveLength(1);
      await expectEveryJobAcknowledgedOnce(redis, stream, [worker], { done: [1, 2, 3] });
    });

    scenario('the-drain-deadline-leaves-the-job-pending-for-another-worker', async (redis, stream) => {
      const producer = run(redis, stream, '--role', 'producer', '--jobs', 1, '--work-ms', 3000);
      expect((await producer.end()).code, producer.describe()).toBe(0);
      const first = run(redis, stream, '--role', 'worker', '--consumer', 'first', '--drain-ms', 200);
      await first.waitFor((e) => e.event === 'start' && e.job === 1, 'start of job 1');
      first.signal('SIGTERM');
      const exit = await first.end();
      expect(exit.code, first.describe()).toBe(1);
      expect(jobsOf(first.of('cancel'))).toEqual([1]);
      expect(first.of('done')).toEqual([]);
      const pending = await redis.command('XPENDING', stream, `${stream}:workers`, '-', '+', 10);
      expect(pending, 'the held job stays pending, under the worker that held it').toContain('first');
      const second = run(
        redis,
        stream,
        '--role',
        'worker',
        '--consumer',
        'second',
        '--claim-idle-ms',
        300,
        '--idle-exit-ms',
        500,
      );
      expect((await second.end()).code, second.describe()).toBe(0);
      expect(second.of('claim')).toMatchObject([{ job: 1, from: 'first' }]);
      await expectEveryJobAcknowledgedOnce(redis, stream, [first, second], { done: [1] });
    });

    scenario('a-dropped-connection-is-retried-and-loses-nothing', async (redis, stream) => {
      // A read whose reply the kill cuts off leaves its entries pending to this very worker, which
      // takes them back before it reads again. A claim whose reply is cut off leaves its entries
      // for the next claim after --claim-idle-ms: shortened here, so that the run ends soon after.
      const args = ['--role', 'both', '--jobs', 20, '--workers', 2, '--work-ms', 100, '--claim-idle-ms', 2000];
      const program = run(redis, stream, ...args);
      await program.waitFor((e) => e.event === 'done', 'a first done');
      await redis.command('CLIENT', 'KILL', 'TYPE', 'normal');
      const exit = await program.end();
      expect(exit.code, program.describe()).toBe(0);
      expect(program.stderr, 'the lost connection is reported').toMatch(/redis/i);
      await expectEveryJobAcknowledgedOnce(redis, stream, [program], { done: range(20) });
    });

    scenario('an-unreachable-server-is-one-line-and-exit-1', async (_redis, stream) => {
      const closed = `redis://user:s3cret@127.0.0.1:1/0`;
      const program = new Program(subject, ['--json', '--redis-url', closed, '--stream', stream, '--role', 'worker']);
      const exit = await program.end(15_000);
      expect(exit.code, program.describe()).toBe(1);
      expect(exit.wallMs).toBeLessThan(10_000);
      const lines = program.stderr.trim().split('\n');
      expect(lines.at(-1)).toContain('127.0.0.1:1');
      expect(program.stderr).not.toContain('s3cret');
    });

    scenario('a-stop-during-the-start-up-is-a-stop-not-an-outage', async (_redis, stream) => {
      // A server that takes the connection and never answers: the program is in its start-up for
      // as long as it allows, until the signal. Nothing was taken, so nothing is held or failed.
      const silent = await listenSilently();
      try {
        const program = new Program(subject, [
          '--json',
          '--redis-url',
          `redis://127.0.0.1:${silent.port}/0`,
          '--stream',
          stream,
          '--role',
          'worker',
        ]);
        await silent.connected;
        program.signal('SIGTERM');
        const signalledAt = performance.now();
        const exit = await program.end(15_000);
        expect(exit.code, program.describe()).toBe(0);
        expect(performance.now() - signalledAt, 'from the signal to the exit (ms)').toBeLessThan(2_000);
        expect(program.summary(), program.describe()).toMatchObject({ submitted: 0, completed: 0, failed: 0 });
        expect(program.stderr).not.toMatch(/cannot reach/);
      } finally {
        silent.close();
      }
    });

    scenario('a-server-that-never-answers-at-start-is-unreachable-exit-1', async (_redis, stream) => {
      // It takes the connection and never answers, a frozen redis-server: the start-up limit
      // bounds the handshake too, and with no signal the program gives up as for a closed port.
      const silent = await listenSilently();
      try {
        const url = `redis://user:s3cret@127.0.0.1:${silent.port}/0`;
        const program = new Program(subject, ['--json', '--redis-url', url, '--stream', stream, '--role', 'worker']);
        const exit = await program.end(15_000);
        expect(exit.code, program.describe()).toBe(1);
        expect(exit.wallMs).toBeLessThan(10_000);
        const lines = program.stderr.split('\n').filter((line) => line.includes('cannot reach'));
        expect(lines, program.describe()).toHaveLength(1);
        expect(lines[0]).toContain(`127.0.0.1:${silent.port}`);
        expect(program.stderr).not.toContain('s3cret');
        expect(
          program.events.filter((e) => e.job !== undefined),
          'nothing taken',
        ).toEqual([]);
      } finally {
        silent.close();
      }
    });

    for (const [why, args] of [
      ['a malformed --redis-url', ['--redis-url', 'http://127.0.0.1:6379']],
      ['an unknown --role', ['--role', 'boss']],
      ['a negative --idle-exit-ms', ['--idle-exit-ms', '-1']],
    ] as const) {
      scenario(`refuses ${why.replaceAll(' ', '-')}`, async () => {
        const program = new Program(subject, [...args]);
        const exit = await program.end(15_000);
        expect(exit.code, program.describe()).toBe(2);
        expect(program.stdout).toBe('');
        expect(program.stderr.trim()).not.toBe('');
      });
    }
  });
}

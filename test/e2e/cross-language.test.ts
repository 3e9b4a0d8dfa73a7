// SPEC §8's promise that one stream serves every target: a Go producer, then
// python-asyncio, python-threading and TypeScript workers at once on the same
// stream. Every job is done and acknowledged exactly once, whoever took it.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findBroker, findTarget, type Target } from '../../src/catalogue.js';
import { checkName } from '../../src/names.js';
import { Program } from '../conformance/broker.js';
import { strictEnv } from '../program-traits.js';
import { missingRedisMessage, redisAvailable, redisRequired, startRedis, type RedisServer } from '../redis-server.js';

const broker = findBroker('redis')!;
const pattern = 'worker-pool';
const producerTarget = 'go';
const workerTargets = ['python-asyncio', 'python-threading', 'typescript'];
const jobs = 120;
const root = path.join(os.tmpdir(), `ccp-cross-${process.pid}`);

interface Built {
  target: Target;
  directory: string;
  command: string[];
}

async function generateAndBuild(targetId: string): Promise<Built> {
  const target = findTarget(targetId)!;
  const name = 'cross-app';
  const check = checkName(name, target.language);
  if (!check.ok) throw new Error(check.reason);
  const parent = path.join(root, target.id);
  await fs.mkdir(parent, { recursive: true });
  const install = target.commands.install ? '--install' : '--no-install';
  await execa(inject('cliBin'), [name, '-p', pattern, '-t', target.id, '--broker', broker.id, install], {
    cwd: parent,
  });
  const directory = path.join(parent, name);
  const resolve = (command: readonly string[]) =>
    command.map((word) => word.replaceAll('{package}', check.packageName));
  if (target.commands.build) {
    const [file, ...args] = resolve(target.commands.build);
    await execa(file!, args, { cwd: directory });
  }
  return { target, directory, command: resolve(target.commands.program) };
}

describe(`one ${broker.title} stream, a ${producerTarget} producer and workers in three other targets`, () => {
  let redis: RedisServer | undefined;
  let missing = false;
  const built = new Map<string, Built>();

  beforeAll(async () => {
    if (!(await redisAvailable())) {
      if (redisRequired) throw new Error(`REQUIRE_REDIS=1 but ${missingRedisMessage.split(':')[0]}`);
      missing = true;
      return;
    }
    redis = await startRedis();
    for (const target of [producerTarget, ...workerTargets]) built.set(target, await generateAndBuild(target));
  }, 600_000);
  afterAll(async () => {
    await redis?.stop();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('completes and acknowledges every job exactly once', async (context) => {
    if (missing) return context.skip(missingRedisMessage);
    const stream = 'cross:jobs';
    const start = (targetId: string, args: string[]) => {
      const { target, directory, command } = built.get(targetId)!;
      const subject = { target: target.id, pattern, command, cwd: directory, env: strictEnv[target.language] };
      return new Program(subject, ['--json', '--redis-url', redis!.url, '--stream', stream, ...args]);
    };
    const producer = start(producerTarget, [
      '--role',
      'producer',
      '--jobs',
      String(jobs),
      '--buffer',
      '1000',
      '--work-ms',
      '50',
    ]);
    expect((await producer.end()).code, producer.describe()).toBe(0);
    const workers = workerTargets.map((target) =>
      start(target, ['--role', 'worker', '--workers', '2', '--consumer', target, '--idle-exit-ms', '1000']),
    );
    for (const worker of workers) expect((await worker.end(120_000)).code, worker.describe()).toBe(0);

    const done = workers.flatMap((worker) => worker.of('done'));
    const byJob = new Map<number, number>();
    for (const event of done) byJob.set(event.job!, (byJob.get(event.job!) ?? 0) + 1);
    expect([...byJob.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: jobs }, (_, i) => i + 1));
    expect(
      [...byJob.values()].every((count) => count === 1),
      'no job done twice',
    ).toBe(true);
    for (const event of done) expect(event.result).toBe(event.job! * 2);
    // Each target took a share: the stream really was shared.
    for (const worker of workers) expect(worker.of('done').length, worker.describe()).toBeGreaterThan(0);
    expect(await redis!.command('XLEN', stream)).toBe('0');
    expect((await redis!.command('XPENDING', stream, `${stream}:workers`)).split('\n')[0]).toBe('0');
    expect(await redis!.command('HLEN', `${stream}:results`)).toBe(String(jobs));
  }, 180_000);
});

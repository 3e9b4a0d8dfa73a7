// A real redis-server for the broker tests (SPEC §8): one per test file, on a
// free port, in a temporary directory, persisting nothing. Without
// redis-server on PATH the broker tests are skipped, and say so, unless
// REQUIRE_REDIS=1, where they fail.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';

export const redisRequired = process.env.REQUIRE_REDIS === '1';

export const missingRedisMessage = 'redis-server not found on PATH: broker tests skipped';

/** Whether redis-server and redis-cli are on PATH. */
export async function redisAvailable(): Promise<boolean> {
  const found = async (command: string) =>
    (await execa(command, ['--version'], { reject: false, timeout: 10_000 })).exitCode === 0;
  return (await found('redis-server')) && (await found('redis-cli'));
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Runs one command through redis-cli and returns its raw output, trimmed. */
  command(...args: Array<string | number>): Promise<string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startRedis(): Promise<RedisServer> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'ccp-redis-'));
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', directory],
    { stdio: 'ignore' },
  );
  const command = async (...args: Array<string | number>): Promise<string> => {
    const result = await execa('redis-cli', ['-p', String(port), ...args.map(String)], { timeout: 10_000 });
    return result.stdout.trim();
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    const pong = await command('PING').catch(() => '');
    if (pong === 'PONG') break;
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`redis-server on port ${port} did not answer PING within 10 s`);
    }
    await sleep(50);
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    command,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}

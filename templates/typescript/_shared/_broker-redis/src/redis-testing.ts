// Helpers for the broker tests: a throwaway redis-server (its own port, its own directory, nothing
// saved), and the program as a process whose stderr the test reads too.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProgramEvent } from './testing.js';

/**
 * Why the broker tests are skipped (`redis-server` is not on PATH), or `undefined` to run them.
 * With `REQUIRE_REDIS=1` they run anyway, and fail to start the server.
 */
export function skipWithoutRedis(): string | undefined {
  if (process.env.REQUIRE_REDIS === '1') return undefined;
  const onPath = (process.env.PATH ?? '').split(delimiter).some((folder) => {
    try {
      accessSync(join(folder, 'redis-server'), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  return onPath ? undefined : 'redis-server not found on PATH: broker tests skipped';
}

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts `redis-server` on a free port in a temporary directory, once it answers PING. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'redis-test-'));
  const server: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const exited = once(server, 'close');
  const failed = once(server, 'error').then(([error]) => {
    throw new Error(`cannot start redis-server: ${(error as Error).message}`);
  });
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
    await exited;
    await sleep(1); // the process's handle closes a turn of the event loop after 'close'
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([answersPing(port), failed]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `redis://127.0.0.1:${port}/0`, port, stop };
}

export interface TcpProxy {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A TCP proxy to `server` that loses one reply, as a network failure after the server ran the
 * command would: the first data from the server that carries `marker` is dropped, and the
 * client's connection cut. Everything else passes as it is.
 */
export async function startReplyLosingProxy(
  server: RedisServer,
  marker: string,
): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let lost = false;
  const proxy = createServer((client) => {
    const upstream = createConnection(server.port, '127.0.0.1');
    for (const [socket, peer] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(socket);
      socket.on('error', () => {}); // the peer's 'close' follows, which ends this side too
      socket.on('close', () => {
        sockets.delete(socket);
        peer.destroy();
      });
    }
    client.pipe(upstream);
    let recent = ''; // the end of the data before, should the marker span two chunks
    upstream.on('data', (chunk: Buffer) => {
      const text = recent + chunk.toString('latin1');
      if (!lost && text.includes(marker)) {
        lost = true;
        client.destroy();
        return;
      }
      recent = text.slice(-marker.length);
      client.write(chunk);
    });
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  const { port } = proxy.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}/0`,
    async close() {
      proxy.close();
      sockets.forEach((socket) => socket.destroy());
      await once(proxy, 'close');
    },
  };
}

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, 'close');
  return port;
}

async function answersPing(port: number): Promise<void> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    try {
      const socket = createConnection(port, '127.0.0.1');
      try {
        await once(socket, 'connect');
        socket.write('PING\r\n');
        const [reply] = (await once(socket, 'data')) as [Buffer];
        if (reply.toString().startsWith('+PONG')) return;
      } finally {
        socket.destroy();
      }
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error('redis-server did not answer PING in 10 s');
    await sleep(20);
  }
}

/**
 * The program (`dist/main.js`) with `--json`, `--redis-url url` and `args`. `stderr` collects
 * what it writes there.
 */
export function startWorker(url: string, args: string[]) {
  const main = new URL('./main.js', import.meta.url).pathname;
  const child = spawn(process.execPath, [main, '--json', '--redis-url', url, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: ProgramEvent[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => events.push(JSON.parse(line) as ProgramEvent));
  const exited = once(child, 'close').then(([code]) => ({
    code: code as number | null,
    events,
    stderr,
  }));
  return {
    events,
    exited,
    stderr: () => stderr,
    /** Resolves once an event that matches has been written. */
    async waitFor(matches: (event: ProgramEvent) => boolean): Promise<ProgramEvent> {
      for (;;) {
        const event = events.find(matches);
        if (event) return event;
        await once(lines, 'line');
      }
    },
    signal: (signal: NodeJS.Signals) => child.kill(signal),
  };
}

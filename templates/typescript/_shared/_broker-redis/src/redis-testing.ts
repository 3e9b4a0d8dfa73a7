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
  /** Closes the proxy; rejects with the failure of a `before` hook, if one failed. */
  close(): Promise<void>;
}

export interface ReplyLosses {
  /**
   * How long after each lost reply its connection is cut (ms): one reply is lost for each item,
   * by default one cut at once. A later cut stands for a failure noticed late: the command ran
   * on the server that much earlier.
   */
  cutAfterMs?: number[];
  /**
   * Run before the first command named `command` (such as 'XCLAIM') goes on to the server, which
   * gets it once `run` resolves: what another client does just then.
   */
  before?: { command: string; run: () => Promise<void> };
}

/**
 * A TCP proxy to `server` that loses replies, as a network failure after the server ran the
 * command would: data from the server that carries `marker` is dropped, with all that follows
 * on its connection, and the client's connection cut. Everything else passes as it is.
 */
export async function startReplyLosingProxy(
  server: RedisServer,
  marker: string,
  { cutAfterMs = [0], before }: ReplyLosses = {},
): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const cuts = new Set<NodeJS.Timeout>();
  const losses = [...cutAfterMs];
  let hook = before;
  let failure: unknown;
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
    client.on('data', (chunk: Buffer) => {
      // A command is an array of bulk strings, its name the first: `$6\r\nXCLAIM\r\n`.
      const named = (command: string) => `$${command.length}\r\n${command}\r\n`;
      if (hook === undefined || !chunk.toString('latin1').includes(named(hook.command))) {
        upstream.write(chunk);
        return;
      }
      const { run } = hook;
      hook = undefined;
      client.pause(); // what follows waits its turn
      run()
        .catch((error: unknown) => (failure ??= error))
        .finally(() => {
          upstream.write(chunk);
          client.resume();
        });
    });
    let recent = ''; // the end of the data before, should the marker span two chunks
    let losing = false;
    upstream.on('data', (chunk: Buffer) => {
      if (losing) return;
      const text = recent + chunk.toString('latin1');
      if (losses.length > 0 && text.includes(marker)) {
        losing = true;
        const cut = setTimeout(() => {
          cuts.delete(cut);
          client.destroy();
        }, losses.shift());
        cuts.add(cut);
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
      cuts.forEach(clearTimeout);
      sockets.forEach((socket) => socket.destroy());
      await once(proxy, 'close');
      if (failure !== undefined) throw failure;
    },
  };
}

export interface SilentServer {
  readonly url: string;
  /** Resolves once a client has connected. */
  readonly connected: Promise<void>;
  /** How many connections are open: those the clients closed are not. */
  readonly open: number;
  /** Drops the connections and stops listening: from then on, connections are refused. */
  close(): Promise<void>;
}

/** A TCP server that accepts connections and never answers, as a frozen redis-server does. */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let accepted!: () => void;
  const connected = new Promise<void>((resolve) => (accepted = resolve));
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {}); // the client's end resets it
    socket.on('close', () => sockets.delete(socket));
    socket.resume(); // reads what it is sent, to see the client's end, and never answers
    accepted();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}/0`,
    connected,
    get open() {
      return sockets.size;
    },
    async close() {
      sockets.forEach((socket) => socket.destroy());
      if (!server.listening) return;
      server.close();
      await once(server, 'close');
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

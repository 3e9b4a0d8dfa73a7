// A headless Chromium driven over the DevTools protocol through
// --remote-debugging-pipe: the browser reads commands on its fd 3 and writes
// replies and events on its fd 4, one JSON message per NUL-terminated chunk.
// No WebSocket and no dependency: Node's child_process is enough.

import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';

type Json = Record<string, unknown>;

interface Message {
  id?: number;
  method?: string;
  params?: Json;
  result?: Json;
  error?: { message: string };
  sessionId?: string;
}

/** The Chromium binary on PATH (or in $CHROMIUM), if there is one. */
export function findChromium(): string | undefined {
  const candidates = process.env.CHROMIUM ? [process.env.CHROMIUM] : ['chromium', 'chromium-browser', 'google-chrome'];
  for (const candidate of candidates) {
    const found = path.isAbsolute(candidate)
      ? [candidate]
      : (process.env.PATH ?? '').split(path.delimiter).map((folder) => path.join(folder, candidate));
    for (const file of found) {
      try {
        accessSync(file, constants.X_OK);
        return file;
      } catch {
        // Not this one.
      }
    }
  }
  return undefined;
}

export class Browser {
  readonly #child: ChildProcess;
  readonly #profile: string;
  readonly #commands: Writable;
  readonly #pending = new Map<number, { resolve: (result: Json) => void; reject: (error: Error) => void }>();
  readonly #listeners: Array<(message: Message) => void> = [];
  #nextId = 1;

  private constructor(child: ChildProcess, profile: string) {
    this.#child = child;
    this.#profile = profile;
    this.#commands = child.stdio[3] as Writable;
    let buffered = '';
    (child.stdio[4] as Readable).on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let end;
      while ((end = buffered.indexOf('\0')) >= 0) {
        this.#receive(JSON.parse(buffered.slice(0, end)) as Message);
        buffered = buffered.slice(end + 1);
      }
    });
    child.once('exit', () => {
      for (const { reject } of this.#pending.values()) reject(new Error('chromium exited'));
      this.#pending.clear();
    });
  }

  static async launch(executable: string): Promise<Browser> {
    const profile = await fs.mkdtemp(path.join(os.tmpdir(), 'ccp-chromium-'));
    const child = spawn(
      executable,
      [
        '--headless',
        '--remote-debugging-pipe',
        `--user-data-dir=${profile}`,
        // Root in a container has no user namespace for the sandbox; the page is our own file.
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--no-default-browser-check',
        '--disable-background-networking',
        '--disable-component-update',
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
    );
    return new Browser(child, profile);
  }

  #receive(message: Message): void {
    if (message.id !== undefined) {
      const waiting = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error) waiting?.reject(new Error(message.error.message));
      else waiting?.resolve(message.result ?? {});
      return;
    }
    for (const listener of this.#listeners) listener(message);
  }

  send(method: string, params: Json = {}, sessionId?: string): Promise<Json> {
    const id = this.#nextId++;
    const reply = new Promise<Json>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    this.#commands.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    return reply;
  }

  /** Calls `listener` with every event of `method` in `sessionId`. */
  on(method: string, sessionId: string, listener: (params: Json) => void): void {
    this.#listeners.push((message) => {
      if (message.method === method && message.sessionId === sessionId) listener(message.params ?? {});
    });
  }

  /** The first event of `method` in `sessionId` from now on. */
  next(method: string, sessionId: string): Promise<Json> {
    return new Promise((resolve) => {
      const listener = (message: Message) => {
        if (message.method !== method || message.sessionId !== sessionId) return;
        this.#listeners.splice(this.#listeners.indexOf(listener), 1);
        resolve(message.params ?? {});
      };
      this.#listeners.push(listener);
    });
  }

  /** A new tab, attached: commands sent with its session id go to that page. */
  async newPage(): Promise<string> {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    return sessionId as string;
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    if (this.#child.exitCode === null) {
      // A browser that does not close when asked is killed: the test must not hang on it.
      const kill = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
      await this.send('Browser.close').catch(() => {});
      await exited;
      clearTimeout(kill);
    }
    await fs.rm(this.#profile, { recursive: true, force: true });
  }
}

// Helpers for the tests: run the program as a subprocess, read its events, check the contract.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface Event {
  event: string;
  job?: number;
  worker?: number;
  t_ms: number;
  result?: number;
  error?: string;
  signal?: string;
  [key: string]: unknown;
}

export interface Summary extends Event {
  event: 'summary';
  submitted: number;
  completed: number;
  failed: number;
  timed_out: number;
  cancelled: number;
  max_concurrency: number;
  elapsed_ms: number;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  events: Event[];
  stdout: string;
  stderr: string;
}

const main = fileURLToPath(new URL('./main.js', import.meta.url));
const terminal = new Set(['done', 'fail', 'timeout', 'cancel']);

/**
 * The program running in its own process group (as a shell runs a command), so that a test
 * can signal the whole group the way Ctrl-C in a terminal does.
 */
export class Program {
  readonly events: Event[] = [];
  readonly exited: Promise<Exit>;
  readonly #child: ChildProcessByStdio<null, Readable, Readable>;
  readonly #waiters: { predicate: (event: Event) => boolean; resolve: (event: Event) => void }[] =
    [];

  constructor(args: string[]) {
    this.#child = spawn(process.execPath, [main, ...args], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    this.#child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const lines = createInterface({ input: this.#child.stdout });
    lines.on('line', (line) => {
      stdout += `${line}\n`;
      if (!args.includes('--json')) return;
      const event = JSON.parse(line) as Event;
      this.events.push(event);
      for (const waiter of this.#waiters.filter((waiter) => waiter.predicate(event))) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    });
    const closed = new Promise<void>((resolve) => lines.once('close', resolve));
    this.exited = new Promise((resolve, reject) => {
      this.#child.once('error', reject);
      this.#child.once('exit', (code, signal) => {
        void closed.then(() => resolve({ code, signal, events: this.events, stdout, stderr }));
      });
    });
  }

  /** Resolves with the first event (already seen or still to come) that matches. */
  waitFor(predicate: (event: Event) => boolean): Promise<Event> {
    const seen = this.events.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ predicate, resolve }));
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /** Sends `signal` to the program's whole process group, like Ctrl-C in a terminal. */
  signalGroup(signal: NodeJS.Signals): void {
    process.kill(-this.#child.pid!, signal);
  }

  signal(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  /** Kills whatever is left of the group: for `finally`, so a failed test leaves no process. */
  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.signalGroup('SIGKILL');
    }
  }
}

/** Runs the program to its end with `args`. */
export async function run(args: string[]): Promise<Exit> {
  const program = new Program(args);
  try {
    return await program.exited;
  } finally {
    program.kill();
  }
}

/**
 * Runs the program with `args`, and sends `signal` to its whole process group (as Ctrl-C in a
 * terminal does) as soon as it writes an event that matches `when`.
 */
export async function runUntil(
  args: string[],
  when: (event: Event) => boolean,
  signal: NodeJS.Signals = 'SIGINT',
): Promise<Exit> {
  const program = new Program(args);
  try {
    await program.waitFor(when);
    program.signalGroup(signal);
    return await program.exited;
  } finally {
    program.kill();
  }
}

/**
 * Checks the invariants every run must keep: each submitted job ends in exactly one terminal
 * event and nothing happens to it after that, the summary adds up, and no more than
 * `maxConcurrency` jobs run at once.
 */
export function checkInvariants(events: Event[], maxConcurrency: number): Summary {
  const summary = events.at(-1);
  assert.ok(summary !== undefined && isSummary(summary), 'the last line is the summary');
  const ended = new Set<number>();
  const running = new Set<number>();
  let peak = 0;
  const counts = { done: 0, fail: 0, timeout: 0, cancel: 0 };
  for (const event of events.slice(0, -1)) {
    assert.equal(event.event === 'summary', false, 'one summary, at the end');
    if (event.job === undefined) continue;
    assert.equal(ended.has(event.job), false, `job ${event.job} has an event after its end`);
    if (event.event === 'start') {
      running.add(event.job);
      peak = Math.max(peak, running.size);
    }
    if (terminal.has(event.event)) {
      running.delete(event.job);
      ended.add(event.job);
      counts[event.event as keyof typeof counts]++;
    }
  }
  assert.equal(running.size, 0, 'every started job ended');
  assert.ok(peak <= maxConcurrency, `${peak} jobs ran at once, limit ${maxConcurrency}`);
  assert.deepEqual(
    {
      submitted: summary.submitted,
      completed: summary.completed,
      failed: summary.failed,
      timed_out: summary.timed_out,
      cancelled: summary.cancelled,
      max_concurrency: summary.max_concurrency,
    },
    {
      submitted: ended.size,
      completed: counts.done,
      failed: counts.fail,
      timed_out: counts.timeout,
      cancelled: counts.cancel,
      max_concurrency: peak,
    },
  );
  return summary;
}

function isSummary(event: Event): event is Summary {
  return event.event === 'summary';
}

/** The events of one kind, in order. */
export function only(events: Event[], kind: string): Event[] {
  return events.filter((event) => event.event === kind);
}

/**
 * Fails if the code under test left a handle behind (a timer, a thread, a socket). Take
 * `before` with `process.getActiveResourcesInfo()` before the run.
 */
export async function assertNothingLeft(before: string[]): Promise<void> {
  // Let handles that are already closing finish closing.
  await new Promise((resolve) => setImmediate(resolve));
  const left = [...process.getActiveResourcesInfo()];
  for (const resource of before) {
    const index = left.indexOf(resource);
    if (index >= 0) left.splice(index, 1);
  }
  assert.deepEqual(left, [], `left running: ${left.join(', ')}`);
}

/**
 * Megabytes of JavaScript heap still in use after a full garbage collection: what the code
 * under test keeps, not what it has merely not freed yet.
 */
export function retainedHeapMb(): number {
  // Exposes `gc` to contexts created from now on, the way `node --expose-gc` would.
  setFlagsFromString('--expose-gc');
  const collectGarbage = runInNewContext('gc') as () => void;
  collectGarbage();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

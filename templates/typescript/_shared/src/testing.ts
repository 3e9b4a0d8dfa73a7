// Helpers for the tests: collect what a component yields, check that nothing is left behind,
// run the program.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { createInterface } from 'node:readline';

/** Every outcome `outcomes` yields, in order (`Array.fromAsync` needs Node 22). */
export async function collect<T>(outcomes: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const outcome of outcomes) all.push(outcome);
  return all;
}

/** 1, 2, …, `count`. */
export const range = (count: number) => Array.from({ length: count }, (_, index) => index + 1);

/** Job ids 1, 2, 3, … without end, each ready at once. */
export function* endless(): Generator<number, never, undefined> {
  for (let job = 1; ; job++) yield job;
}

/** A signal that never aborts. */
export const never = new AbortController().signal;

/**
 * Fails if the code under test left a handle behind (a timer, a thread, a socket) since `before`,
 * taken with `process.getActiveResourcesInfo()`.
 */
export async function assertNothingLeft(before: string[]): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve)); // handles already closing may finish
  const left = [...process.getActiveResourcesInfo()];
  for (const resource of before) {
    const index = left.indexOf(resource);
    if (index >= 0) left.splice(index, 1);
  }
  assert.deepEqual(left, [], `left running: ${left.join(', ')}`);
}

export interface ProgramEvent {
  event: string;
  job?: number;
  [field: string]: unknown;
}

/**
 * The program (`dist/main.js`) with `--json` and `args`, in a process group of its own, so that a
 * test can signal the whole group the way Ctrl-C in a terminal does.
 */
export function startProgram(args: string[]) {
  const main = new URL('./main.js', import.meta.url).pathname;
  const child = spawn(process.execPath, [main, '--json', ...args], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const events: ProgramEvent[] = [];
  const seen = new EventEmitter();
  createInterface({ input: child.stdout }).on('line', (line) => {
    events.push(JSON.parse(line) as ProgramEvent);
    seen.emit('event');
  });
  const exited = once(child, 'close').then(([code]) => ({ code: code as number | null, events }));
  return {
    events,
    exited,
    /** Resolves once an event that matches has been written. */
    async waitFor(matches: (event: ProgramEvent) => boolean): Promise<void> {
      while (!events.some(matches)) await once(seen, 'event');
    },
    /** Sends `signal` to the whole process group. */
    signalGroup: (signal: NodeJS.Signals) => process.kill(-child.pid!, signal),
    signal: (signal: NodeJS.Signals) => child.kill(signal),
  };
}

/** Each job that started ended in exactly one terminal event, and the summary adds them up. */
export function assertEveryJobEndedOnce(events: ProgramEvent[]): Record<string, number> {
  const summary = events.at(-1)!;
  assert.equal(summary.event, 'summary');
  const ends = events.filter((event) =>
    ['done', 'fail', 'timeout', 'cancel'].includes(event.event),
  );
  const jobs = ends.map((event) => event.job);
  assert.equal(new Set(jobs).size, jobs.length, 'no job ends twice');
  const count = (kind: string) => ends.filter((event) => event.event === kind).length;
  assert.deepEqual(
    [summary.submitted, summary.completed, summary.failed, summary.timed_out, summary.cancelled],
    [jobs.length, count('done'), count('fail'), count('timeout'), count('cancel')],
  );
  return summary as Record<string, number>;
}

/** An async source that gives `jobs`, then waits for ever, like a queue with nothing more in it. */
export async function* quiet<J>(...jobs: J[]): AsyncGenerator<J> {
  yield* jobs;
  await new Promise(() => {});
}

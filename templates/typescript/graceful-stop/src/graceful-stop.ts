import { setTimeout as sleep } from 'node:timers/promises';
import type { Outcome } from './outcome.js';
import { run as runPool, type Handler, type JobSource } from './worker-pool.js';

/** Why the jobs still running when the drain time ran out were cancelled. */
export class DrainTimeoutError extends Error {
  override name = 'DrainTimeoutError';

  constructor(readonly drain: number) {
    super(`in-flight jobs did not finish within ${drain} ms of the stop`);
  }
}

export interface ServiceOptions {
  /** How many jobs run at once. */
  workers: number;
  /** The stop: once it aborts, no job is taken; the jobs in flight may finish. */
  signal: AbortSignal;
  /** How long, in milliseconds from the stop, the jobs in flight may still run. */
  drain: number;
}

/**
 * A long-running service: `workers` workers take jobs from `jobs` (endless, or an async iterable
 * that waits for work) and yield each job's `Outcome` as it finishes, until `jobs` ends or
 * `signal` aborts. After the stop no job is taken, the jobs in flight finish, and those still
 * running `drain` ms after it are cancelled: their signal aborts with a `DrainTimeoutError`.
 * The jobs never see `signal` itself. Memory is held for the jobs in flight, never for the jobs
 * finished. Leaving the `for await` early cancels the jobs running at once; the other rules are
 * the worker pool's (see `run` in `worker-pool.ts`).
 */
export function run<J, R>(
  jobs: JobSource<J>,
  handle: Handler<J, R>,
  { workers, signal, drain }: ServiceOptions,
): AsyncGenerator<Outcome<J, R>, void, undefined> {
  if (!(Number.isInteger(drain) && drain >= 0 && drain < 2 ** 31)) {
    throw new RangeError(`drain must be an integer from 0 to ${2 ** 31 - 1} ms, got ${drain}`);
  }
  const cancel = new AbortController();
  // Made here, not in `serve`, whose body would only run at the first `next()`: `workers` is
  // checked at the call.
  const outcomes = runPool(jobs, handle, { workers, signal, cancel: cancel.signal });
  return serve();

  async function* serve(): AsyncGenerator<Outcome<J, R>, void, undefined> {
    // Aborted when the service is over, so that the drain clock does not outlive it and hold
    // the process open for the rest of `drain`.
    const over = new AbortController();
    const startDrainClock = () => {
      sleep(drain, undefined, { signal: over.signal }).then(
        () => cancel.abort(new DrainTimeoutError(drain)),
        () => {}, // cleared: everything drained in time
      );
    };
    if (signal.aborted) startDrainClock();
    else signal.addEventListener('abort', startDrainClock, { once: true });
    try {
      yield* outcomes;
    } finally {
      signal.removeEventListener('abort', startDrainClock);
      over.abort();
    }
  }
}

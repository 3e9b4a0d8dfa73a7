import type { Outcome } from './outcome.js';
import { run as runPool, type JobSource } from './worker-pool.js';

export interface FanOutOptions {
  /** Stops the fan-out: no job is read after it aborts, and the tasks running are cancelled. */
  signal: AbortSignal;
}

/**
 * Fans out: starts a task, `handle(job, signal)`, for every job the moment it is read, with no
 * limit, and fans the results back in: yields each job's `Outcome` as its task finishes. A task
 * that fails becomes an outcome with its error; the others go on, and none is lost. Aborting
 * `signal`, or leaving the `for await` early, cancels the tasks running (their `signal` aborts)
 * and waits for them: nothing is left running. `jobs` may be an async iterable; an error it
 * throws comes after the outcomes of the tasks already started.
 */
export function run<J, R>(
  jobs: JobSource<J>,
  handle: (job: J, signal: AbortSignal) => Promise<R>,
  { signal }: FanOutOptions,
): AsyncGenerator<Outcome<J, R>, void, undefined> {
  // A worker pool without a limit: every job gets a worker of its own as soon as it is read.
  return runPool(jobs, (job, _worker, taskSignal) => handle(job, taskSignal), {
    workers: Infinity,
    signal,
  });
}

import { ChildSignals } from './signals.js';

/** What became of one job: its result, or the error it failed with. */
export type Outcome<R> = PromiseSettledResult<R>;

export interface PoolOptions {
  /** How many jobs run at once. */
  workers: number;
  /** Stops the pool: workers take no new job, and jobs not yet started fail with its reason. */
  signal: AbortSignal;
}

/**
 * Runs `handle` on every job with `workers` workers, each taking the next job as soon as it is
 * free, and resolves with one outcome per job, in the order of `jobs`, once every worker has
 * stopped. A job that fails, or throws before returning its promise, becomes a rejected
 * outcome: its worker goes on with the next job. Aborting `signal` cancels the jobs running (each
 * worker's jobs get a signal of the worker's own, aborted with it) and starts no new one.
 */
export async function runPool<J, R>(
  jobs: readonly J[],
  { workers, signal }: PoolOptions,
  handle: (job: J, worker: number, signal: AbortSignal) => Promise<R>,
): Promise<Outcome<R>[]> {
  if (!Number.isInteger(workers) || workers < 1) {
    throw new RangeError(`workers must be an integer of at least 1, got ${workers}`);
  }
  const outcomes = new Array<Outcome<R>>(jobs.length);
  // The queue is one iterator shared by all workers: each `next()` hands a job to exactly one
  // of them. No job is copied into a channel ahead of time, so nothing needs closing or draining.
  const queue = jobs.entries();
  // Each worker hands its jobs a signal of its own: `signal` keeps one listener, however many
  // workers there are (see `ChildSignals`).
  const workerSignals = new ChildSignals(signal);
  const work = (worker: number) =>
    workerSignals.run(async (workerSignal) => {
      for (const [index, job] of queue) {
        if (signal.aborted) {
          outcomes[index] = { status: 'rejected', reason: signal.reason };
          continue;
        }
        try {
          outcomes[index] = { status: 'fulfilled', value: await handle(job, worker, workerSignal) };
        } catch (error) {
          // Caught per job, inside the loop: one failure must not end this worker (the pool
          // would shrink, and hang once every worker is gone) nor be lost.
          outcomes[index] = { status: 'rejected', reason: error };
        }
      }
    });
  try {
    await Promise.all(Array.from({ length: workers }, (_, index) => work(index + 1)));
  } finally {
    workerSignals.close();
  }
  return outcomes;
}

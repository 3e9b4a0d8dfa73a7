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
 * outcome: its worker goes on with the next job.
 */
export async function runPool<J, R>(
  jobs: readonly J[],
  { workers, signal }: PoolOptions,
  handle: (job: J, worker: number, signal: AbortSignal) => Promise<R>,
): Promise<Outcome<R>[]> {
  const outcomes = new Array<Outcome<R>>(jobs.length);
  // The queue is one iterator shared by all workers: each `next()` hands a job to exactly one
  // of them. No job is copied into a channel ahead of time, so nothing needs closing or draining.
  const queue = jobs.entries();
  const work = async (worker: number) => {
    for (const [index, job] of queue) {
      if (signal.aborted) {
        outcomes[index] = { status: 'rejected', reason: signal.reason };
        continue;
      }
      try {
        outcomes[index] = { status: 'fulfilled', value: await handle(job, worker, signal) };
      } catch (error) {
        // Caught per job, inside the loop: one failure must not end this worker (the pool would
        // shrink, and hang once every worker is gone) nor be lost.
        outcomes[index] = { status: 'rejected', reason: error };
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, (_, index) => work(index + 1)));
  return outcomes;
}

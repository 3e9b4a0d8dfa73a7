import { setTimeout as sleep } from 'node:timers/promises';
import { ChildSignals } from './signals.js';

/** The reason in-flight jobs are cancelled with when a stop's drain time runs out. */
export class DrainTimeoutError extends Error {
  override name = 'DrainTimeoutError';

  constructor(readonly drainMs: number) {
    super(`in-flight jobs did not finish within ${drainMs} ms of the stop`);
  }
}

export interface ServeOptions<T> {
  /** Where jobs come from; it may be endless. */
  source: Iterable<T>;
  /** How many jobs run at once. */
  workers: number;
  /** Aborting it stops intake: no job is taken after that, and the ones in flight may finish. */
  stop: AbortSignal;
  /** How long in-flight jobs may still run after `stop` before they are cancelled. */
  drainMs: number;
  /** Runs one job; `signal` aborts if the job is still running when the drain time is up. */
  handle(job: T, worker: number, signal: AbortSignal): Promise<void>;
}

/**
 * Runs `workers` workers that take jobs from `source` one after another until it runs out or
 * `stop` aborts, then lets the jobs in flight finish, cancelling those still running `drainMs`
 * after the stop. Resolves once every worker has returned; nothing is left running. A `handle`
 * that throws is a bug in it: no worker takes a job after that, and the error is thrown once
 * the jobs in flight have finished.
 */
export async function serve<T>({ source, workers, stop, drainMs, handle }: ServeOptions<T>) {
  if (!Number.isInteger(workers) || workers < 1) {
    throw new RangeError(`workers must be an integer of at least 1, got ${workers}`);
  }
  const jobs = source[Symbol.iterator]();
  // The jobs never see `stop`. Each worker hands its jobs a signal of its own, aborted only
  // when the drain time is up: a service that runs for months puts no listener per job on one
  // shared signal.
  const cancel = new AbortController();
  const workerSignals = new ChildSignals(cancel.signal);
  const finished = new AbortController();
  const startDrainClock = () => {
    // The drain time counts from the stop. `finished` clears this timer if the jobs are done
    // first, so that no timer outlives the service and holds the process open.
    sleep(drainMs, undefined, { signal: finished.signal }).then(
      () => cancel.abort(new DrainTimeoutError(drainMs)),
      () => {}, // cleared: everything drained in time
    );
  };
  if (stop.aborted) startDrainClock();
  else stop.addEventListener('abort', startDrainClock, { once: true });

  let failure: { error: unknown } | undefined;
  const worker = (id: number) =>
    workerSignals
      .run(async (signal) => {
        // `stop` is checked before each job is taken, not after: once it aborts, no job is
        // taken from `source`, let alone started.
        while (!stop.aborted && failure === undefined) {
          const next = jobs.next();
          if (next.done) return;
          await handle(next.value, id, signal);
        }
      })
      .catch((error: unknown) => {
        failure ??= { error }; // the other workers see it, and take no more jobs
      });
  try {
    await Promise.all(Array.from({ length: workers }, (_, index) => worker(index + 1)));
  } finally {
    stop.removeEventListener('abort', startDrainClock);
    finished.abort();
    workerSignals.close();
  }
  if (failure !== undefined) throw failure.error;
}

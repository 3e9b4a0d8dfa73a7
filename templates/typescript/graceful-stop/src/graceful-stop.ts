import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { forEachLimited } from './limit.js';

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
 * after the stop. Resolves once every worker has returned; nothing is left running.
 */
export async function serve<T>({ source, workers, stop, drainMs, handle }: ServeOptions<T>) {
  const cancel = new AbortController();
  setMaxListeners(0, cancel.signal); // one listener per job in flight: no leak, however many
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
  try {
    await forEachLimited(takeUntil(source, stop), workers, (job, worker) =>
      handle(job, worker, cancel.signal),
    );
  } finally {
    stop.removeEventListener('abort', startDrainClock);
    finished.abort();
  }
}

/** The items of `source` until `stop` aborts: checked before each item is taken, not after. */
function* takeUntil<T>(source: Iterable<T>, stop: AbortSignal): Generator<T, void, undefined> {
  const items = source[Symbol.iterator]();
  while (!stop.aborted) {
    const next = items.next();
    if (next.done) return;
    yield next.value;
  }
}

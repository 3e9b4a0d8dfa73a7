import type { Outcome } from './outcome.js';

/** Where jobs come from: an array, a generator that may never end, or an async iterable. */
export type JobSource<J> = AsyncIterable<J> | Iterable<J>;

/** Runs one job; `worker` (1..workers) runs it, and `signal` aborts when it must stop. */
export type Handler<J, R> = (job: J, worker: number, signal: AbortSignal) => Promise<R>;

export interface PoolOptions {
  /** How many jobs run at once: an integer of at least 1, or `Infinity` for no limit. */
  workers: number;
  /** Stops the pool: no job is taken from `jobs` once it aborts. */
  signal: AbortSignal;
  /**
   * Cancels the jobs running: the signal each handler gets aborts with it. By default it is
   * `signal`; a signal of its own lets the jobs in flight finish after a stop.
   */
  cancel?: AbortSignal;
}

/**
 * Runs `handle` on every job of `jobs`, at most `workers` at once, and yields each job's
 * `Outcome` as soon as it is done, in the order the jobs finish. `worker` (1..workers) says which
 * worker runs the job. Consume the outcomes with `for await`:
 * - `jobs` may be endless, or an async iterable that waits for its next job: a job is read only
 *   when a worker is free for it, and a worker takes its next job only once the outcome of its
 *   last one has been taken. The pool holds no more than `workers` jobs, however slow the loop.
 * - A handler that throws or rejects gives its job an outcome with that error, and its worker
 *   goes on with the next job: the pool never stops or throws because a job failed.
 * - Once `signal` aborts, no job is taken from `jobs` (a read of an async source already waiting
 *   is abandoned: what it yields is dropped). The jobs running are cancelled, when `cancel`
 *   aborts (by default with `signal`). Their outcomes are yielded, then the loop ends.
 * - Leaving the loop early (`break`, `return`, a throw) cancels the jobs running and waits for
 *   them to settle: nothing the pool started is left running.
 * - If `jobs` itself throws, intake ends, the jobs in flight finish and their outcomes are
 *   yielded, then that error is thrown.
 */
export function run<J, R>(
  jobs: JobSource<J>,
  handle: Handler<J, R>,
  { workers, signal, cancel = signal }: PoolOptions,
): AsyncGenerator<Outcome<J, R>, void, undefined> {
  // Checked here, not in the generator, whose body would only run at the first `next()`.
  if (workers !== Infinity && !(Number.isInteger(workers) && workers >= 1)) {
    throw new RangeError(`workers must be an integer of at least 1, got ${workers}`);
  }
  return pool(jobs, handle, workers, signal, cancel);
}

async function* pool<J, R>(
  jobs: JobSource<J>,
  handle: Handler<J, R>,
  workers: number,
  stop: AbortSignal,
  cancel: AbortSignal,
): AsyncGenerator<Outcome<J, R>, void, undefined> {
  const source =
    Symbol.asyncIterator in jobs ? jobs[Symbol.asyncIterator]() : jobs[Symbol.iterator]();
  const done: { outcome: Outcome<J, R>; worker: number }[] = [];
  const idle: number[] = [];
  let hired = 0;
  // One controller per running job, so that `cancel` keeps one listener however many run: every
  // timer or thread waiting on a signal adds a listener, and Node checks them all at each add.
  const running = new Map<Promise<void>, AbortController>();
  const intakeEnded = new AbortController();
  let sourceState = 'open' as 'open' | 'reading' | 'ended';
  let sourceError: { error: unknown } | undefined;

  // The intake and the loop below wait for each other: each change wakes whoever waits.
  const waiters: (() => void)[] = [];
  const changed = () => new Promise<void>((resolve) => waiters.push(resolve));
  const notify = () => waiters.splice(0).forEach((wake) => wake());
  const endIntake = () => {
    intakeEnded.abort();
    notify();
  };
  const cancelRunning = () => running.forEach((controller) => controller.abort(cancel.reason));
  stop.addEventListener('abort', endIntake);
  cancel.addEventListener('abort', cancelRunning);
  if (stop.aborted) endIntake();

  const start = (job: J, worker: number) => {
    const controller = new AbortController();
    if (cancel.aborted) controller.abort(cancel.reason);
    const task = settle(job, () => handle(job, worker, controller.signal)).then((outcome) => {
      running.delete(task);
      done.push({ outcome, worker });
      notify();
    });
    running.set(task, controller);
  };
  let intakeOver = false;
  const intake = (async () => {
    while (!intakeEnded.signal.aborted) {
      if (idle.length === 0 && hired >= workers) {
        await changed();
        continue;
      }
      sourceState = 'reading';
      const next = await unlessAborted(source.next(), intakeEnded.signal);
      if (next === undefined) return;
      sourceState = next.done ? 'ended' : 'open';
      if (next.done) return;
      start(next.value, idle.pop() ?? ++hired);
    }
  })()
    .catch((error: unknown) => (sourceError = { error }))
    .finally(() => {
      intakeOver = true;
      notify();
    });

  try {
    for (;;) {
      const next = done.shift();
      if (next !== undefined) {
        yield next.outcome;
        // Only now, with the outcome taken, may its worker take another job.
        idle.push(next.worker);
        notify();
      } else if (intakeOver && running.size === 0) {
        break;
      } else {
        await changed();
      }
    }
    if (sourceError !== undefined) throw sourceError.error;
  } finally {
    // Also reached when the caller leaves the loop early: stop everything, and wait for it.
    endIntake();
    running.forEach((controller) => controller.abort(new Error('the pool was closed')));
    await intake;
    await Promise.all(running.keys());
    stop.removeEventListener('abort', endIntake);
    cancel.removeEventListener('abort', cancelRunning);
    // A source left before its end is closed (a generator's `finally` runs), unless a read is
    // still waiting: an async generator would only run `return()` after that read.
    if (sourceState === 'open') await source.return?.();
    else if (sourceState === 'reading') void Promise.resolve(source.return?.()).catch(() => {});
  }
}

/**
 * Calls `handle` and turns whatever it does into an outcome. The call is inside the `try`, so a
 * handler that throws before returning its promise is caught too, not only one that rejects.
 */
async function settle<J, R>(job: J, handle: () => Promise<R>): Promise<Outcome<J, R>> {
  try {
    return { job, ok: true, value: await handle() };
  } catch (error) {
    return { job, ok: false, error };
  }
}

/** What `read` gives, or `undefined` if `signal` aborts first (the read is then abandoned). */
function unlessAborted<T>(read: T | Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (!(read instanceof Promise)) return Promise.resolve(read);
  return new Promise<T | undefined>((resolve, reject) => {
    const abandon = () => resolve(undefined);
    signal.addEventListener('abort', abandon, { once: true });
    read.then(resolve, reject).finally(() => signal.removeEventListener('abort', abandon));
  });
}

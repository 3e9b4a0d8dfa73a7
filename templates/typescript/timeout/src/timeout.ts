import type { Outcome } from './outcome.js';
import { run as runPool, type Handler, type JobSource } from './worker-pool.js';

/** An operation that did not finish before its deadline. */
export class TimeoutError extends Error {
  override name = 'TimeoutError';

  constructor(
    readonly timeout: number,
    options?: ErrorOptions,
  ) {
    super(`operation timed out after ${timeout} ms`, options);
  }
}

export interface CallOptions {
  /** The deadline, in milliseconds from the call. */
  timeout: number;
  /** Cancels the call before its deadline; it then rejects with whatever `handle` rejects with. */
  signal: AbortSignal;
}

/**
 * Runs `handle(job, signal)` under a deadline. `signal` aborts at the deadline (or when the
 * caller's does), and `handle` must stop when it aborts: `call` waits for it to settle, so once
 * it returns the work is over, not merely abandoned. Rejects with a `TimeoutError` (its `cause`
 * what `handle` threw) when the deadline is what ended it, even if `handle` resolved too late.
 */
export async function call<J, R>(
  job: J,
  handle: (job: J, signal: AbortSignal) => Promise<R>,
  { timeout, signal }: CallOptions,
): Promise<R> {
  checkTimeout(timeout);
  // Not `Promise.race([handle(job), sleep(timeout)])`: the race would return at the deadline and
  // leave the work running, free to finish its side effects later.
  const deadline = new AbortController();
  // Not `AbortSignal.timeout()`: its timer cannot be cleared, so every call that finishes early
  // would leave one pending, and thousands firing together stall the event loop for seconds.
  const timer = setTimeout(() => deadline.abort(new TimeoutError(timeout)), timeout);
  // And not `AbortSignal.any([signal, …])`: made per call on a long-lived `signal`, it leaks on
  // Node 20 (nodejs/node#55351). A listener, removed in `finally`, does the same.
  const cancel = () => deadline.abort(signal.reason);
  if (signal.aborted) cancel();
  else signal.addEventListener('abort', cancel, { once: true });
  const timedOut = () => deadline.signal.reason instanceof TimeoutError;
  let result: R;
  try {
    result = await handle(job, deadline.signal);
  } catch (error) {
    throw timedOut() ? new TimeoutError(timeout, { cause: error }) : error;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', cancel);
  }
  if (timedOut()) throw new TimeoutError(timeout);
  return result;
}

export interface TimeoutOptions extends CallOptions {
  /** How many calls run at once. */
  workers: number;
}

/**
 * Runs `call` on every job of `jobs`, at most `workers` at once, and yields each job's `Outcome`
 * as it finishes: a job past its deadline has a `TimeoutError`. Aborting `signal`, or leaving
 * the `for await` early, cancels the calls running; the other rules are the worker pool's (see
 * `run` in `worker-pool.ts`).
 */
export function run<J, R>(
  jobs: JobSource<J>,
  handle: Handler<J, R>,
  { workers, timeout, signal }: TimeoutOptions,
): AsyncGenerator<Outcome<J, R>, void, undefined> {
  checkTimeout(timeout);
  return runPool(
    jobs,
    (job, worker, cancel) =>
      call(job, (job, deadline) => handle(job, worker, deadline), { timeout, signal: cancel }),
    { workers, signal },
  );
}

function checkTimeout(timeout: number): void {
  // A timer cannot wait longer than 2^31 - 1 ms: a larger delay would fire after 1 ms.
  if (!(Number.isInteger(timeout) && timeout >= 1 && timeout < 2 ** 31)) {
    throw new RangeError(`timeout must be an integer from 1 to ${2 ** 31 - 1} ms, got ${timeout}`);
  }
}

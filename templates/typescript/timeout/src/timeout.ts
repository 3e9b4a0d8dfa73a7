import { TimeoutError } from './errors.js';

export { TimeoutError };

/**
 * Runs `operation` under a deadline of `timeoutMs`. The operation gets a signal that aborts at
 * the deadline (or when `signal` does) and must stop when it aborts: this function waits for
 * it to settle, so once it returns the operation is over, not merely abandoned. Throws a
 * `TimeoutError` when the deadline is what ended it; a cancelled caller gets its own reason.
 */
export async function withTimeout<R>(
  operation: (signal: AbortSignal) => Promise<R>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<R> {
  // Not `Promise.race([operation(), sleep(timeoutMs)])`: the race would return at the deadline
  // and leave the operation running, free to finish its side effects later.
  const deadline = AbortSignal.timeout(timeoutMs);
  let result: R;
  try {
    result = await operation(AbortSignal.any([signal, deadline]));
  } catch (error) {
    if (deadline.aborted && !signal.aborted) throw new TimeoutError(timeoutMs, { cause: error });
    throw error;
  }
  // An operation that finished after its deadline still missed it: its result is not used.
  if (deadline.aborted && !signal.aborted) throw new TimeoutError(timeoutMs);
  return result;
}

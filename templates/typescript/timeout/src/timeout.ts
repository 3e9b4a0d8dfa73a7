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
  const deadline = new AbortController();
  // Not `AbortSignal.timeout(timeoutMs)` either: its timer cannot be cleared, so every operation
  // that finishes early would leave one pending, and thousands of them firing together stall
  // the event loop for seconds (`npm run bench` shows it). This one is cleared in `finally`.
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  let result: R;
  try {
    result = await operation(AbortSignal.any([signal, deadline.signal]));
  } catch (error) {
    if (deadline.signal.aborted && !signal.aborted) {
      throw new TimeoutError(timeoutMs, { cause: error });
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
  // An operation that finished after its deadline still missed it: its result is not used.
  if (deadline.signal.aborted && !signal.aborted) throw new TimeoutError(timeoutMs);
  return result;
}

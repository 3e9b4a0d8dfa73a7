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
  const stopOperation = new AbortController();
  // Not `AbortSignal.timeout(timeoutMs)` either: its timer cannot be cleared, so every operation
  // that finishes early would leave one pending, and thousands of them firing together stall
  // the event loop for seconds (`npm run bench` shows it). This one is cleared in `finally`.
  const timer = setTimeout(() => stopOperation.abort(), timeoutMs);
  // And not `AbortSignal.any([signal, deadline])`: made per operation on a long-lived `signal`,
  // it leaks on Node 20 (nodejs/node#55351). A listener, removed in `finally`, does the same.
  const cancel = () => stopOperation.abort(signal.reason);
  if (signal.aborted) cancel();
  else signal.addEventListener('abort', cancel, { once: true });
  const timedOut = () => stopOperation.signal.aborted && !signal.aborted;
  let result: R;
  try {
    result = await operation(stopOperation.signal);
  } catch (error) {
    if (timedOut()) throw new TimeoutError(timeoutMs, { cause: error });
    throw error;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', cancel);
  }
  // An operation that finished after its deadline still missed it: its result is not used.
  if (timedOut()) throw new TimeoutError(timeoutMs);
  return result;
}

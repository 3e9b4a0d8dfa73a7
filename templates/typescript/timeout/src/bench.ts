// What a deadline costs an operation that meets it, and how punctually a missed one fires.
import { setTimeout as sleep } from 'node:timers/promises';
import { median, never, report } from './benchmarking.js';
import { TimeoutError, withTimeout } from './timeout.js';

const calls = 20_000;
const operation = async (signal: AbortSignal) => (signal.aborted ? 0 : 1);
const bare = await median(async () => {
  for (let call = 0; call < calls; call++) await operation(never);
});
report(`${calls} instant operations, no deadline (baseline)`, (bare * 1000) / calls, 'µs/call');
const guarded = await median(async () => {
  for (let call = 0; call < calls; call++) await withTimeout(operation, 1000, never);
});
report(
  `${calls} instant operations under a 1000 ms deadline`,
  (guarded * 1000) / calls,
  'µs/call',
  (bare * 1000) / calls,
);

const lateness: number[] = [];
for (let run = 0; run < 20; run++) {
  const started = performance.now();
  await withTimeout((signal) => sleep(1000, undefined, { signal }), 50, never).catch(
    (error: unknown) => {
      if (!(error instanceof TimeoutError)) throw error;
    },
  );
  lateness.push(performance.now() - started - 50);
}
lateness.sort((a, b) => a - b);
report('time past a 50 ms deadline until the timeout (median)', lateness[10] ?? Number.NaN, 'ms');
report(
  'time past a 50 ms deadline until the timeout (worst of 20)',
  lateness[19] ?? Number.NaN,
  'ms',
);

/**
 * The longest the event loop is blocked during the second after `operations` instant operations
 * each ran under a deadline set by `guard`: timers still pending all fire in that second.
 */
async function stallAfter(operations: number, guard: typeof withTimeout): Promise<number> {
  for (let call = 0; call < operations; call++) await guard(operation, 1000, never);
  let worst = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    worst = Math.max(worst, performance.now() - last);
    last = performance.now();
  }, 10);
  await sleep(1300);
  clearInterval(ticker);
  return worst;
}

/** `withTimeout` as it would be with `AbortSignal.timeout`, whose timer cannot be cleared. */
async function withUnclearedTimeout<R>(
  run: (signal: AbortSignal) => Promise<R>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<R> {
  return run(AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]));
}

const cleared = await stallAfter(100_000, withTimeout);
report('longest event-loop stall after 100 000 deadlines, cleared', cleared, 'ms');
const uncleared = await stallAfter(100_000, withUnclearedTimeout);
report('same with AbortSignal.timeout (timers not cleared)', uncleared, 'ms', cleared);

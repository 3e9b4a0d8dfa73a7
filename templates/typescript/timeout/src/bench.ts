// What a deadline costs a call that meets it, and how punctually a missed one fires.
import { setTimeout as sleep } from 'node:timers/promises';
import { median, never, report } from './benchmarking.js';
import { call, TimeoutError } from './timeout.js';

const calls = 20_000;
const instant = async (job: number, signal: AbortSignal) => (signal.aborted ? 0 : job);
const bare = await median(async () => {
  for (let job = 0; job < calls; job++) await instant(job, never);
});
report(`${calls} instant calls, no deadline (baseline)`, (bare * 1000) / calls, 'µs/call');
const guarded = await median(async () => {
  for (let job = 0; job < calls; job++) await call(job, instant, { timeout: 1000, signal: never });
});
const perCall = (guarded * 1000) / calls;
report(
  `${calls} instant calls under a 1000 ms deadline`,
  perCall,
  'µs/call',
  (bare * 1000) / calls,
);

const lateness: number[] = [];
for (let run = 0; run < 20; run++) {
  const started = performance.now();
  const slow = (_job: number, signal: AbortSignal) => sleep(1000, undefined, { signal });
  await call(run, slow, { timeout: 50, signal: never }).catch((error: unknown) => {
    if (!(error instanceof TimeoutError)) throw error;
  });
  lateness.push(performance.now() - started - 50);
}
lateness.sort((a, b) => a - b);
report('time past a 50 ms deadline until the timeout (median of 20)', lateness[10]!, 'ms');
report('time past a 50 ms deadline until the timeout (worst of 20)', lateness[19]!, 'ms');

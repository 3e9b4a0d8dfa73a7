// What a job costs the service, and how long a stop takes with and without a drain deadline.
import { setTimeout as sleep } from 'node:timers/promises';
import { median, never, report } from './benchmarking.js';
import { run } from './graceful-stop.js';

const jobs = Array.from({ length: 100_000 }, (_, index) => index);
const served = await median(async () => {
  for await (const _ of run(jobs, async (job) => job, { workers: 4, drain: 0, signal: never }));
});
report(`${jobs.length} empty jobs served by 4 workers`, (served * 1000) / jobs.length, 'µs/job');

/** Milliseconds from the stop to the end of the service, with 4 jobs of `jobMs` in flight. */
async function stopTime(jobMs: number, drain: number): Promise<number> {
  const stop = new AbortController();
  const handle = (job: number, _worker: number, signal: AbortSignal) =>
    sleep(jobMs, job, { signal });
  let stoppedAt = 0;
  setTimeout(() => {
    stoppedAt = performance.now();
    stop.abort();
  }, 10);
  for await (const _ of run(jobs, handle, { workers: 4, drain, signal: stop.signal }));
  return performance.now() - stoppedAt;
}
const drained = await median(() => stopTime(200, 5000));
report('stop with 200 ms jobs in flight, 5000 ms drain time', drained, 'ms');
const cut = await median(() => stopTime(10_000, 100));
report('stop with 10 s jobs in flight, 100 ms drain time', cut, 'ms');

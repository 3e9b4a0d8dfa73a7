// What a job costs the service, and how long a stop takes with and without a drain deadline.
import { setTimeout as sleep } from 'node:timers/promises';
import { median, never, report } from './benchmarking.js';
import { serve } from './graceful-stop.js';

const jobs = 100_000;
const ids = Array.from({ length: jobs }, (_, index) => index);
let sink = 0;
const direct = await median(async () => {
  for (const job of ids) sink += await Promise.resolve(job);
});
report(`${jobs} empty jobs in a plain loop (baseline)`, (direct * 1000) / jobs, 'µs/job');
const served = await median(() =>
  serve({
    source: ids,
    workers: 4,
    stop: never,
    drainMs: 0,
    handle: async (job) => void (sink += job),
  }),
);
report(
  `${jobs} empty jobs served by 4 workers`,
  (served * 1000) / jobs,
  'µs/job',
  (direct * 1000) / jobs,
);

/** Milliseconds from the stop to `serve` returning, with 4 jobs of `jobMs` in flight. */
async function stopTime(jobMs: number, drainMs: number): Promise<number> {
  const stop = new AbortController();
  const serving = serve({
    source: ids,
    workers: 4,
    stop: stop.signal,
    drainMs,
    handle: (_job, _worker, signal) => sleep(jobMs, undefined, { signal }).catch(() => {}),
  });
  await sleep(10);
  const stopped = performance.now();
  stop.abort();
  await serving;
  return performance.now() - stopped;
}
report(
  'stop with 200 ms jobs in flight, 5000 ms drain time',
  await median(() => stopTime(200, 5000)),
  'ms',
);
report(
  'stop with 10 s jobs in flight, 100 ms drain time',
  await median(() => stopTime(10_000, 100)),
  'ms',
);
if (Number.isNaN(sink)) console.log(sink); // keeps the work observable

// What each extra worker buys, for waiting work and for CPU work, and what a job costs the pool.
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { median, never, report } from './benchmarking.js';
import { calibrate } from './harness/cpu.js';
import { ThreadPool } from './harness/thread-pool.js';
import { run } from './worker-pool.js';

const jobs = Array.from({ length: 24 }, (_, index) => index + 1);
const timed = (count: number, workers: number, handle: (signal: AbortSignal) => Promise<unknown>) =>
  median(async () => {
    for await (const _ of run(jobs.slice(0, count), (_job, _worker, signal) => handle(signal), {
      workers,
      signal: never,
    }));
  }, 3);

const oneIoWorker = await timed(24, 1, (signal) => sleep(20, undefined, { signal }));
report('24 io jobs of 20 ms, 1 worker (baseline)', oneIoWorker, 'ms');
for (const workers of [2, 4, 8]) {
  const took = await timed(24, workers, (signal) => sleep(20, undefined, { signal }));
  report(`24 io jobs of 20 ms, ${workers} workers`, took, 'ms', oneIoWorker);
}

const cores = availableParallelism();
const threads = new ThreadPool(cores);
await threads.start();
const iterations = calibrate() * 100;
const oneCpuWorker = await timed(2 * cores, 1, (signal) => threads.run(iterations, signal));
report(`${2 * cores} cpu jobs of 100 ms, 1 worker (baseline)`, oneCpuWorker, 'ms');
const allCores = await timed(2 * cores, cores, (signal) => threads.run(iterations, signal));
report(
  `${2 * cores} cpu jobs of 100 ms, ${cores} workers on threads`,
  allCores,
  'ms',
  oneCpuWorker,
);
await threads.close();

const many = Array.from({ length: 100_000 }, (_, index) => index);
const overhead = await median(async () => {
  for await (const _ of run(many, async (job) => job, { workers: 4, signal: never }));
});
report(
  'overhead per job with no work (100 000 jobs, 4 workers)',
  (overhead * 1000) / many.length,
  'µs',
);

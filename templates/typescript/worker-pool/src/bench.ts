// What each extra worker buys, for waiting work and for CPU work, and what a job costs the pool.
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { median, never, report } from './benchmarking.js';
import { calibrate } from './cpu.js';
import { ThreadPool } from './thread-pool.js';
import { runPool } from './worker-pool.js';

const jobs = Array.from({ length: 24 }, (_, index) => index + 1);
const io = (workers: number) =>
  median(() =>
    runPool(jobs, { workers, signal: never }, (job, _worker, signal) => sleep(20, job, { signal })),
  );
const oneIoWorker = await io(1);
report('24 io jobs of 20 ms, 1 worker (baseline)', oneIoWorker, 'ms');
for (const workers of [2, 4, 8]) {
  report(`24 io jobs of 20 ms, ${workers} workers`, await io(workers), 'ms', oneIoWorker);
}

const cores = availableParallelism();
const iterations = calibrate() * 100;
const cpu = async (workers: number) => {
  const threads = new ThreadPool(workers);
  const cpuJobs = jobs.slice(0, 2 * cores);
  const took = await median(
    () =>
      runPool(cpuJobs, { workers, signal: never }, (_job, _worker, signal) =>
        threads.run(iterations, signal),
      ),
    3,
  );
  await threads.close();
  return took;
};
const oneCpuWorker = await cpu(1);
report(`${2 * cores} cpu jobs of 100 ms, 1 worker thread (baseline)`, oneCpuWorker, 'ms');
report(
  `${2 * cores} cpu jobs of 100 ms, ${cores} worker threads`,
  await cpu(cores),
  'ms',
  oneCpuWorker,
);

const many = Array.from({ length: 100_000 }, (_, index) => index);
const overhead = await median(() =>
  runPool(many, { workers: 4, signal: never }, async (job) => job),
);
report(
  'overhead per job with no work (100 000 jobs, 4 workers)',
  (overhead * 1000) / many.length,
  'µs',
);

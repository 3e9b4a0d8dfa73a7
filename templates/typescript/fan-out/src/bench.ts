// How much a fan-out saves over running the same tasks one after another.
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { median, never, report } from './benchmarking.js';
import { calibrate, compute } from './cpu.js';
import { fanOut, type Task } from './fan-out.js';
import { ThreadPool } from './thread-pool.js';

const ioTasks = Array.from(
  { length: 20 },
  (): Task<void> => (signal) => sleep(50, undefined, { signal }),
);
const sequentialIo = await median(async () => {
  for (const task of ioTasks) await task(never);
});
report('20 io tasks of 50 ms, one after another (baseline)', sequentialIo, 'ms');
report(
  '20 io tasks of 50 ms, fanned out',
  await median(() => fanOut(ioTasks, never)),
  'ms',
  sequentialIo,
);

const cores = availableParallelism();
const iterations = calibrate() * 200;
const sequentialCpu = await median(async () => {
  for (let task = 0; task < cores; task++) compute(iterations);
}, 3);
report(`${cores} cpu tasks of 200 ms on the main thread (baseline)`, sequentialCpu, 'ms');
const threads = new ThreadPool(cores);
const cpuTasks = Array.from(
  { length: cores },
  (): Task<number> => (signal) => threads.run(iterations, signal),
);
const fannedCpu = await median(() => fanOut(cpuTasks, never), 3);
await threads.close();
report(
  `${cores} cpu tasks of 200 ms, fanned out to ${cores} threads`,
  fannedCpu,
  'ms',
  sequentialCpu,
);

const noops = Array.from({ length: 10_000 }, (): Task<number> => async () => 0);
const overhead = await median(() => fanOut(noops, never));
report('overhead per task with no work (10 000 tasks)', (overhead * 1000) / noops.length, 'µs');

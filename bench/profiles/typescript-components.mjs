// Where the TypeScript fan-out's and worker pool's time per no-op job goes, in CPU time (so that
// other work on the machine does not count).
//   node path/to/typescript-components.mjs FAN_OUT_PROJECT WORKER_POOL_PROJECT   (both built)
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [fanOutDir, poolDir] = process.argv.slice(2).map((dir) => path.resolve(dir));
const { fanOut } = await import(pathToFileURL(path.join(fanOutDir, 'dist', 'fan-out.js')).href);
const { runPool } = await import(pathToFileURL(path.join(poolDir, 'dist', 'worker-pool.js')).href);
const jobs = 50_000;
const inputs = Array.from({ length: jobs }, (_, index) => index);
const never = new AbortController().signal;

async function cpuUsPerJob(run) {
  const samples = [];
  for (let i = 0; i < 5; i++) {
    const before = process.cpuUsage();
    await run();
    const used = process.cpuUsage(before);
    samples.push((used.user + used.system) / jobs);
  }
  return samples.sort((a, b) => a - b)[2];
}

const kept = [];
const figures = {
  'fanOut (a child AbortSignal per task)': () =>
    fanOut(
      inputs.map((job) => async () => job * 2),
      never,
    ),
  'Promise.allSettled, no child signal': () => Promise.allSettled(inputs.map(async (job) => job * 2)),
  'bare Promise.all': () => Promise.all(inputs.map(async (job) => job * 2)),
  'new AbortController() per task': async () => {
    kept.length = 0;
    for (const _ of inputs) kept.push(new AbortController());
  },
  'new AbortController().signal per task': async () => {
    kept.length = 0;
    for (const _ of inputs) kept.push(new AbortController().signal);
  },
  'runPool, 4 workers': () => runPool(inputs, { workers: 4, signal: never }, async (job) => job * 2),
  'runPool shape, values array + errors map': async () => {
    const values = new Array(jobs);
    const errors = new Map();
    const queue = inputs.entries();
    const handle = async (job) => job * 2;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (const [index, job] of queue) {
          if (never.aborted) {
            errors.set(index, never.reason);
            continue;
          }
          try {
            values[index] = await handle(job);
          } catch (error) {
            errors.set(index, error);
          }
        }
      }),
    );
  },
  'bare Promise.all of 4 loops': async () => {
    const results = new Array(jobs);
    const queue = inputs.entries();
    const handle = async (job) => job * 2;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (const [index, job] of queue) results[index] = await handle(job);
      }),
    );
  },
};
for (const [name, run] of Object.entries(figures)) {
  console.log(`${name.padEnd(40)} ${(await cpuUsPerJob(run)).toFixed(2).padStart(6)} µs CPU per job`);
}

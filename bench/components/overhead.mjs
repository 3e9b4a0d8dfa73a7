// Wall and CPU microseconds per no-op job through a generated TypeScript
// component, after one warm-up run. bench/claims.mjs copies this file into a generated,
// built project and runs it there:
//   node overhead.mjs worker-pool|fan-out --jobs N --workers N --samples N
import { parseArgs } from 'node:util';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    jobs: { type: 'string', default: '100000' },
    workers: { type: 'string', default: '4' },
    samples: { type: 'string', default: '3' },
  },
});
const jobs = Number(values.jobs);
const workers = Number(values.workers);
const never = new AbortController().signal;
const inputs = Array.from({ length: jobs }, (_, index) => index);

/** Reads every outcome of one run, as a caller must; a failed no-op job is a broken component. */
async function drain(outcomes) {
  for await (const outcome of outcomes) if (!outcome.ok) throw outcome.error;
}

const runners = {
  'worker-pool': async () => {
    const { run } = await import('./dist/worker-pool.js');
    return () => drain(run(inputs, async (job) => job * 2, { workers, signal: never }));
  },
  'fan-out': async () => {
    const { run } = await import('./dist/fan-out.js');
    return () => drain(run(inputs, async (job) => job * 2, { signal: never }));
  },
};
const run = await runners[positionals[0]]();
await run();
const out = { samples_us: [], cpu_samples_us: [] };
for (let i = 0; i < Number(values.samples); i++) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await run();
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  out.samples_us.push((wall * 1000) / jobs);
  out.cpu_samples_us.push((used.user + used.system) / jobs);
}
console.log(JSON.stringify(out));

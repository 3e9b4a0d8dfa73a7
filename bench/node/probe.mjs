// What bench/claims.mjs measures in Node; one JSON object on stdout per run.
//   node probe.mjs SUBCOMMAND [--rounds N] [--samples N] [--units N] [--url URL]
//                  [--requests N] [--workers N] [--jobs N]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '100000' },
    samples: { type: 'string', default: '3' },
    units: { type: 'string', default: '10000' },
    url: { type: 'string', default: '' },
    requests: { type: 'string', default: '10000' },
    workers: { type: 'string', default: '100' },
    jobs: { type: 'string', default: '100000' },
  },
});
const number = (name) => Number(values[name]);

/** One warm-up run, then `samples` measured ones. */
async function repeat(measure) {
  await measure();
  const samples = [];
  for (let i = 0; i < number('samples'); i++) samples.push(await measure());
  return samples;
}

/** Microseconds per round trip between two async functions, each awaiting a promise the other resolves. */
async function handoffPromise(rounds) {
  let wakeEcho;
  let wakeMain;
  const echo = async () => {
    for (;;) {
      const value = await new Promise((resolve) => (wakeEcho = resolve));
      if (value < 0) return;
      wakeMain(value);
    }
  };
  const echoing = echo();
  const start = performance.now();
  for (let value = 0; value < rounds; value++) {
    const answered = new Promise((resolve) => (wakeMain = resolve));
    wakeEcho(value);
    await answered;
  }
  const elapsed = performance.now() - start;
  wakeEcho(-1);
  await echoing;
  return (elapsed * 1000) / rounds;
}

/** Microseconds per round trip of a message to a worker thread and back. */
async function handoffWorker(rounds) {
  const worker = new Worker(
    'const { parentPort } = require("node:worker_threads"); parentPort.on("message", (v) => parentPort.postMessage(v));',
    { eval: true },
  );
  const next = () => new Promise((resolve) => worker.once('message', resolve));
  worker.postMessage(0);
  await next(); // the thread is up: its start is not a hand-off
  const start = performance.now();
  for (let value = 0; value < rounds; value++) {
    const answered = next();
    worker.postMessage(value);
    await answered;
  }
  const elapsed = performance.now() - start;
  await worker.terminate();
  return (elapsed * 1000) / rounds;
}

/** Microseconds to start a worker thread that does nothing, and see it exit. */
async function startWorkers(count) {
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const worker = new Worker('', { eval: true });
    await new Promise((resolve, reject) => worker.once('exit', resolve).once('error', reject));
  }
  return ((performance.now() - start) * 1000) / count;
}

// CPU work the JIT cannot remove.
const spinSource = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (iterations) => {
  let sum = 0;
  for (let i = 0; i < iterations; i++) sum += (i * i) % 7;
  parentPort.postMessage(sum);
});`;

/**
 * Wall and CPU seconds for 2 jobs of CPU work on `units` worker threads, started before the clock
 * runs. The CPU time is the whole process's: the main thread only waits meanwhile.
 */
async function cpuBound(iterations, units) {
  const workers = Array.from({ length: units }, () => new Worker(spinSource, { eval: true }));
  const ask = (worker, job) => {
    const answer = new Promise((resolve) => worker.once('message', resolve));
    worker.postMessage(job);
    return answer;
  };
  await Promise.all(workers.map((worker) => ask(worker, 1)));
  const jobs = [iterations, iterations];
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all(
    workers.map(async (worker) => {
      for (let job = jobs.pop(); job !== undefined; job = jobs.pop()) await ask(worker, job);
    }),
  );
  const wall = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  await Promise.all(workers.map((worker) => worker.terminate()));
  return { wall_s: wall, cpu_s: (used.user + used.system) / 1e6 };
}

function rssBytes() {
  const kb = /^VmRSS:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return Number(kb) * 1024;
}

/** Resident memory added by `units` async functions parked on one pending promise. */
async function parkPromises(units) {
  let release;
  const gate = new Promise((resolve) => (release = resolve));
  globalThis.gc?.();
  const before = rssBytes();
  const parked = [];
  for (let i = 0; i < units; i++) parked.push((async () => (await gate) + i)());
  const after = rssBytes();
  release(1);
  await Promise.all(parked);
  return { units, rss_before: before, rss_after: after };
}

/** `workers` loops, each sending its share of the requests one after another; fetch keeps connections alive. */
async function client(url, requests, workers) {
  let failed = 0;
  const loop = async (share) => {
    for (let i = 0; i < share; i++) {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status !== 200) failed++;
    }
  };
  const start = performance.now();
  const loops = [];
  for (let w = 0; w < workers; w++) loops.push(loop(Math.floor(requests / workers) + (w < requests % workers ? 1 : 0)));
  await Promise.all(loops);
  const wall = (performance.now() - start) / 1000;
  const usage = process.resourceUsage();
  return {
    wall_s: wall,
    cpu_s: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    rss_kb: usage.maxRSS,
    requests,
    failed,
    processes: 1,
  };
}

/** One warm-up run, then `samples` runs of `run`: wall and CPU microseconds per job of each. */
async function perJob(jobs, run) {
  await run();
  const out = { samples_us: [], cpu_samples_us: [] };
  for (let i = 0; i < number('samples'); i++) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    await run();
    const wall = performance.now() - start;
    const used = process.cpuUsage(cpu);
    out.samples_us.push((wall * 1000) / jobs);
    out.cpu_samples_us.push((used.user + used.system) / jobs);
  }
  return out;
}

/** Promise.all of `workers` loops sharing one iterator of jobs: the bare shape of a pool. */
async function barePool(jobs, workers) {
  const results = new Array(jobs);
  const pending = Array.from({ length: jobs }, (_, index) => index).entries();
  const handle = async (job) => job * 2;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (const [index, job] of pending) results[index] = await handle(job);
    }),
  );
}

/** Promise.all over one promise per job. */
async function bareFanOut(jobs) {
  const handle = async (job) => job * 2;
  await Promise.all(Array.from({ length: jobs }, (_, job) => handle(job)));
}

const subcommands = {
  'handoff-promise': async () => ({ samples_us: await repeat(() => handoffPromise(number('rounds'))) }),
  'handoff-worker': async () => ({ samples_us: await repeat(() => handoffWorker(number('rounds'))) }),
  'start-worker': async () => ({ samples_us: await repeat(() => startWorkers(number('rounds'))) }),
  'cpu-workers': async () => ({
    one: await cpuBound(number('rounds'), 1),
    two: await cpuBound(number('rounds'), 2),
  }),
  'park-promises': () => parkPromises(number('units')),
  client: () => client(values.url, number('requests'), number('workers')),
  'bare-pool': () => perJob(number('jobs'), () => barePool(number('jobs'), number('workers'))),
  'bare-fanout': () => perJob(number('jobs'), () => bareFanOut(number('jobs'))),
};
const run = subcommands[positionals[0]];
if (!run) {
  console.error(`unknown subcommand ${positionals[0]}; one of: ${Object.keys(subcommands).join(', ')}`);
  process.exit(2);
}
console.log(JSON.stringify(await run()));

// How much a fan-out saves over running the same tasks one after another, and what it costs.
import { setTimeout as sleep } from 'node:timers/promises';
import { median, never, report } from './benchmarking.js';
import { run } from './fan-out.js';

const tasks = Array.from({ length: 20 }, (_, index) => index);
const oneAfterAnother = await median(async () => {
  for (const _ of tasks) await sleep(50);
});
report('20 io tasks of 50 ms, one after another (baseline)', oneAfterAnother, 'ms');
const fanned = await median(async () => {
  for await (const _ of run(tasks, (_task, signal) => sleep(50, undefined, { signal }), {
    signal: never,
  }));
});
report('20 io tasks of 50 ms, fanned out', fanned, 'ms', oneAfterAnother);

const noops = Array.from({ length: 10_000 }, (_, index) => index);
const overhead = await median(async () => {
  for await (const _ of run(noops, async (task) => task, { signal: never }));
});
report('overhead per task with no work (10 000 tasks)', (overhead * 1000) / noops.length, 'µs');

// What the bounded buffer costs per job, and how its size and the consumers change it.
import { median, never, report } from './benchmarking.js';
import { run } from './producer-consumer.js';

const jobs = Array.from({ length: 100_000 }, (_, index) => index);
const direct = await median(async () => {
  for (const job of jobs) await Promise.resolve(job);
});
report(`${jobs.length} jobs handed over by direct await (baseline)`, direct, 'ms');
for (const buffer of [1, 16, 256]) {
  for (const workers of [1, 4]) {
    const piped = await median(async () => {
      for await (const _ of run(jobs, async (job) => job, { workers, buffer, signal: never }));
    });
    report(`${jobs.length} jobs, buffer ${buffer}, ${workers} consumer(s)`, piped, 'ms', direct);
  }
}

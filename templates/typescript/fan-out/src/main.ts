import { availableParallelism } from 'node:os';
import { fanOut } from './fan-out.js';
import { runProgram } from './program.js';

await runProgram({
  id: 'fan-out',
  defaults: { jobs: 3, workMs: 1000 },
  // Every job starts at once, but a thread per job would cost megabytes each and compute no
  // faster: with `--work cpu` the jobs share one thread per core, and wait for a free one.
  threads: () => availableParallelism(),
  async run({ jobs, options, stop }) {
    const tasks = jobs
      .submitAll(options.jobs)
      .map((job) => (signal: AbortSignal) => jobs.run(job, { signal }));
    await fanOut(tasks, stop);
  },
});

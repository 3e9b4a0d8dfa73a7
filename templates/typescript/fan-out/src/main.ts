import { fanOut } from './fan-out.js';
import { runProgram } from './program.js';

await runProgram({
  id: 'fan-out',
  defaults: { jobs: 3, workMs: 1000 },
  // Every job starts at once, so `--work cpu` gets a thread for each.
  concurrency: (options) => options.jobs,
  async run({ jobs, options, stop }) {
    const tasks = jobs
      .submitAll(options.jobs)
      .map((job) => (signal: AbortSignal) => jobs.run(job, { signal }));
    await fanOut(tasks, stop);
  },
});

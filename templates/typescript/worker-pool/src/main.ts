import { runProgram } from './program.js';
import { runPool } from './worker-pool.js';

await runProgram({
  id: 'worker-pool',
  defaults: { jobs: 5, workMs: 500 },
  threads: (options) => options.workers,
  async run({ options, jobs, stop }) {
    const submitted = jobs.submitAll(options.jobs);
    await runPool(submitted, { workers: options.workers, signal: stop }, (job, worker, signal) =>
      jobs.run(job, { worker, signal }),
    );
  },
});

import { forEachLimited } from './limit.js';
import { runProgram } from './program.js';
import { withTimeout } from './timeout.js';

await runProgram({
  id: 'timeout',
  defaults: { jobs: 1, workMs: 2000 },
  concurrency: (options) => options.workers,
  async run({ jobs, options, stop }) {
    const operations = jobs.submitAll(options.jobs);
    await forEachLimited(operations, options.workers, (job) =>
      jobs.run(job, { signal: stop }, (job, signal) =>
        withTimeout((deadline) => jobs.work(job, deadline), options.timeoutMs, signal),
      ),
    );
  },
});

import { forEachLimited } from './limit.js';
import { runProgram } from './program.js';
import { withTimeout } from './timeout.js';

await runProgram({
  id: 'timeout',
  defaults: { jobs: 1, workMs: 2000 },
  threads: (options) => options.workers,
  async run({ jobs, options, stop }) {
    // An operation is the job's simulated work under its own deadline.
    const operation = (job: number, signal: AbortSignal) =>
      withTimeout((deadline) => jobs.work(job, deadline), options.timeoutMs, signal);
    await forEachLimited(
      jobs.submitAll(options.jobs),
      { limit: options.workers, signal: stop },
      (job, _lane, signal) => jobs.run(job, { signal }, operation),
    );
  },
});

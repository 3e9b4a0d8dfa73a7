import { serve } from './graceful-stop.js';
import { runProgram } from './program.js';

/** Job ids 1, 2, 3, …: `count` of them, or without end when `count` is 0. */
function* jobIds(count: number): Generator<number, void, undefined> {
  for (let job = 1; count === 0 || job <= count; job++) yield job;
}

await runProgram({
  id: 'graceful-stop',
  defaults: { jobs: 0, workMs: 500 },
  threads: (options) => options.workers,
  drainOnStop: true,
  async run({ jobs, options, stop }) {
    await serve({
      source: jobIds(options.jobs),
      workers: options.workers,
      stop,
      drainMs: options.drainMs,
      async handle(job, worker, signal) {
        jobs.submit(job);
        await jobs.run(job, { worker, signal });
      },
    });
  },
});

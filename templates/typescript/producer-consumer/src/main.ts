import { runProgram } from './program.js';
import { runPipeline } from './producer-consumer.js';

await runProgram({
  id: 'producer-consumer',
  defaults: { jobs: 5, workMs: 500 },
  threads: (options) => options.workers,
  async run({ jobs, options, stop }) {
    await runPipeline<number>({
      capacity: options.buffer,
      consumers: options.workers,
      signal: stop,
      async produce(put) {
        for (let job = 1; job <= options.jobs; job++) {
          jobs.produce(job);
          await put(job);
        }
      },
      async consume(job, consumer, signal) {
        jobs.consume(job, consumer);
        await jobs.run(job, { worker: consumer, signal });
      },
    });
  },
});

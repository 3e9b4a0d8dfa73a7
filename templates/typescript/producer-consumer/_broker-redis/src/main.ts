import { serve } from './broker.js';
import { run } from './producer-consumer.js';

await serve('producer-consumer', (jobs, handle, { workers, buffer, deadline }) =>
  // The stop ends the stream's deliveries, and with them the producer: the consumers drain the
  // buffer. The pipeline's own signal is the drain deadline, which cancels what is left.
  run(jobs, handle, { workers, buffer, signal: deadline }),
);

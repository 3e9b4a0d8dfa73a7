import { serve } from './broker.js';
import { run } from './worker-pool.js';

await serve('worker-pool', (jobs, handle, { workers, deadline }) =>
  // The stop ends the stream's deliveries, and with them the pool's intake: what it holds
  // drains. The pool's own signal is the drain deadline, which cancels what is left.
  run(jobs, handle, { workers, signal: deadline }),
);

import { serve } from './broker.js';
import { run } from './graceful-stop.js';

await serve('graceful-stop', (jobs, handle, { workers, drain, stop }) =>
  // The service stops its intake at the stop and drains by itself, cancelling what still runs
  // `drain` ms later.
  run(jobs, handle, { workers, drain, signal: stop }),
);

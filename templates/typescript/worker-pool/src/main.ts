import { exitOnSecondSignal, startDemo } from './harness/program.js';
import { run } from './worker-pool.js';

const demo = await startDemo('worker-pool');
const stop = new AbortController();
// Once a process listens for SIGINT or SIGTERM, Node no longer exits on it: the program must
// end by itself. The first signal stops the pool, which cancels the jobs
// running and hands back their outcomes.
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

const { workers } = demo.options;
for await (const outcome of run(demo.jobs(), demo.handle, { workers, signal: stop.signal })) {
  demo.report(outcome);
}
await demo.end();

function onSignal(signal: NodeJS.Signals): void {
  if (stop.signal.aborted) return; // a second signal: `exitOnSecondSignal` ends the program
  exitOnSecondSignal(signal);
  demo.stopping(signal);
  stop.abort();
}

import { exitOnSecondSignal, startDemo } from './harness/program.js';
import { run } from './fan-out.js';

const demo = await startDemo('fan-out');
const stop = new AbortController();
// Once a process listens for SIGINT or SIGTERM, Node no longer exits on it: the program must
// end by itself. The first signal cancels the tasks running, and their
// outcomes come back.
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

for await (const outcome of run(demo.jobs(), demo.task, { signal: stop.signal })) {
  demo.report(outcome);
}
await demo.end();

function onSignal(signal: NodeJS.Signals): void {
  if (stop.signal.aborted) return; // a second signal: `exitOnSecondSignal` ends the program
  exitOnSecondSignal(signal);
  demo.stopping(signal);
  stop.abort();
}

import { exitOnSecondSignal, startDemo } from './harness/program.js';
import { run } from './graceful-stop.js';

const demo = await startDemo('graceful-stop');
const stop = new AbortController();
// Once a process listens for SIGINT or SIGTERM, Node no longer exits on it: the program must
// end by itself. The first signal stops intake; the jobs in flight finish,
// or are cancelled once the drain time is up.
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);
demo.ready();
const { workers, drainMs: drain } = demo.options;
for await (const outcome of run(demo.jobs(), demo.handle, {
  workers,
  drain,
  signal: stop.signal,
})) {
  demo.report(outcome);
}
await demo.end();

function onSignal(signal: NodeJS.Signals): void {
  if (stop.signal.aborted) return; // a second signal: `exitOnSecondSignal` ends the program
  exitOnSecondSignal(signal);
  demo.stopping(signal);
  stop.abort();
}

import { startDemo } from './harness/program.js';
import { run } from './graceful-stop.js';

const demo = await startDemo('graceful-stop');
const stop = new AbortController();
// Once a process listens for SIGINT or SIGTERM, Node no longer exits on it: the program must end by
// itself. The first signal stops intake; the jobs in flight finish, or are cancelled once the drain
// time is up. A second signal exits at once with 130.
process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
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

function onSignal(first: NodeJS.Signals): void {
  if (stop.signal.aborted) return; // the other kind of signal: `onSecondSignal` has it
  // First of all: the `once` listener is gone, and a signal with no listener kills the process.
  process.on('SIGINT', onSecondSignal).on('SIGTERM', onSecondSignal);
  const at = performance.now();
  demo.stopping(first);
  stop.abort();

  function onSecondSignal(signal: NodeJS.Signals): void {
    // Under `npm start`, npm passes on the Ctrl-C the program already got from the terminal, a
    // few ms later: that echo is not a second Ctrl-C.
    const echo = process.env.npm_lifecycle_event === 'start' && performance.now() - at < 50;
    if (!echo || signal !== first) process.exit(130); // a second signal: out at once
  }
}

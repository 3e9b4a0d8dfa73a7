import { startDemo } from './harness/program.js';
import { run } from './graceful-stop.js';

const demo = await startDemo('graceful-stop');
const stop = new AbortController();
// Once a process listens for SIGINT or SIGTERM, Node no longer exits on it: the program must end by
// itself. The first signal stops intake; the jobs in flight finish, or are cancelled once the drain
// time is up. A second signal exits at once with 130. One listener for both, kept to the end: a
// signal that found none would kill the process.
let first: { signal: NodeJS.Signals; at: number } | undefined;
process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
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
  if (first === undefined) {
    first = { signal, at: performance.now() };
    demo.stopping(signal);
    stop.abort();
    return;
  }
  // Under `npm start`, npm passes on the Ctrl-C the program already got from the terminal, a few
  // ms later: that echo is not a second Ctrl-C.
  const echo =
    process.env.npm_lifecycle_event === 'start' &&
    signal === first.signal &&
    performance.now() - first.at < 50;
  if (!echo) process.exit(130); // a second signal: out at once
}

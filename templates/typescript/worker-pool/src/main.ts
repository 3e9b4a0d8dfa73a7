import { startDemo } from './harness/program.js';
import { run } from './worker-pool.js';

const demo = await startDemo('worker-pool');
const stop = new AbortController();
// Once a process listens for SIGINT or SIGTERM, Node no longer exits on it: the program must end by
// itself. The first signal stops the pool, which cancels the jobs running and hands back their
// outcomes. A second signal exits at once with 130. One listener for both, kept to the end: a
// signal that found none would kill the process.
let first: { signal: NodeJS.Signals; at: number } | undefined;
process.on('SIGINT', onSignal).on('SIGTERM', onSignal);

const { workers } = demo.options;
for await (const outcome of run(demo.jobs(), demo.handle, { workers, signal: stop.signal })) {
  demo.report(outcome);
}
await demo.end();
// Interrupted: exit now, as Node restores the default signal actions while it tears down, and a
// second Ctrl-C landing then would kill the process instead of ending it with 130.
if (stop.signal.aborted) process.stdout.write('', () => process.exit(130));

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

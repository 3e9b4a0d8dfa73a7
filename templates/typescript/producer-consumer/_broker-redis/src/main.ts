import { startDemo } from './harness/program.js';
import type { Outcome } from './outcome.js';
import { type Delivery, openStream, type Stream } from './redis-stream.js';
import { run } from './producer-consumer.js';

const demo = await startDemo('producer-consumer');
const { role, workers, redisUrl, stream: name, consumer, buffer } = demo.options;
const options = {
  claimIdle: demo.options.claimIdleMs,
  maxDeliveries: demo.options.maxDeliveries,
  buffer,
  onDeadLetter: demo.deadLetter,
};
const stop = new AbortController();
// Once a process listens for SIGINT or SIGTERM, Node no longer exits on it: the program must end by
// itself. The first signal stops the producer and the reading of the stream; the jobs this worker
// holds finish and are acknowledged, and those still running when the drain time is up are
// cancelled: not acknowledged, they stay pending and another worker claims them. A second signal
// exits at once with 130. One listener for both, kept to the end: a signal that found none would
// kill the process.
let first: { signal: NodeJS.Signals; at: number } | undefined;
process.on('SIGINT', onSignal).on('SIGTERM', onSignal);

// One connection each: the producer's waits for room never hold up a worker's acknowledgements.
const producer = role === 'worker' ? undefined : await open();
const worker = role === 'producer' ? undefined : await open();
demo.ready();
const produced = producer ? produce(producer) : Promise.resolve();
await Promise.all([
  produced,
  worker && work(worker),
  // The worker's idle exit counts once the producer is done.
  worker && produced.then(() => demo.idle(worker, stop.signal)).then(() => stop.abort()),
]);
await Promise.all([producer?.close(), worker?.close()]);
await demo.end();
// Exit now: Node restores the default signal actions while it tears down, and a second Ctrl-C
// landing then would kill the process instead of ending it with 130.
process.stdout.write('', () => process.exit());

function open(): Promise<Stream> {
  return openStream(redisUrl, name, consumer, options).catch(demo.unreachable);
}

async function produce(stream: Stream): Promise<void> {
  try {
    for (const job of demo.jobs()) {
      await stream.produce(job, demo.payload(job), stop.signal);
      demo.produced(job);
    }
  } catch (error) {
    if (!stop.signal.aborted) throw error; // stopped: what was produced is safe in the stream
  }
}

async function work(stream: Stream): Promise<void> {
  // The stop ends the stream's deliveries, and with them the component's intake: what it holds
  // drains. The component's own signal is the drain deadline, which cancels what is left.
  const jobs = stream.deliveries(stop.signal);
  const deadline = demo.drainDeadline(stop.signal);
  try {
    for await (const outcome of run(jobs, demo.handle, {
      workers,
      buffer,
      signal: deadline.signal,
    })) {
      // The component hands each outcome back here, and here alone its job is ended in the stream.
      await settle(stream, outcome, deadline.signal);
    }
  } finally {
    deadline.clear();
  }
}

/**
 * Ends `outcome`'s job in `stream` and writes how: acknowledged (`done`, or `duplicate` if
 * another worker had), failed (`fail`, pending to be retried, or `dead`), released unstarted
 * (no event), or left pending (`cancel`): stopped by the drain deadline, or not settled by then
 * because the server was out of reach.
 */
async function settle(
  stream: Stream,
  outcome: Outcome<Delivery, number>,
  signal: AbortSignal,
): Promise<void> {
  const delivery = outcome.job;
  try {
    if (outcome.ok) {
      const acknowledged = await stream.ack(delivery, outcome.value, { signal });
      demo.report(outcome, acknowledged ? 'done' : 'duplicate');
    } else if (!demo.started(delivery)) {
      await stream.release(delivery, { signal }); // read as the stop came: back at once
      demo.report(outcome, 'released');
    } else if (demo.cancelled(outcome)) {
      demo.report(outcome, 'cancel'); // not acknowledged: it stays pending for another worker
    } else {
      const dead = await stream.fail(delivery, demo.errorText(outcome), { signal });
      demo.report(outcome, dead ? 'dead' : 'fail');
    }
  } catch (error) {
    if (!signal.aborted) throw error;
    demo.report(outcome, demo.started(delivery) ? 'cancel' : 'released');
  }
}

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

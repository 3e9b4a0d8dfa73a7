// The program around a pattern's component when a Redis Stream carries its jobs: the roles
// (producer, worker or both), the signals, the idle exit, and the end of every job in the stream.
// `main` gives it the call into its component.
import { type PatternId, startDemo } from './harness/program.js';
import type { Outcome } from './outcome.js';
import { type Delivery, openStream, type Stream } from './redis-stream.js';
import type { Handler } from './worker-pool.js';

/** What `main` runs its component with, besides the jobs and the handler. */
export interface Intake {
  /** How many jobs run at once (`--workers`). */
  workers: number;
  /** The component's own buffer (`--buffer`), where it has one. */
  buffer: number;
  /** How long the jobs in flight may run on after the stop, in ms (`--drain-ms`). */
  drain: number;
  /** The first signal: the stream's deliveries, and with them the intake, end. */
  stop: AbortSignal;
  /** Aborts `drain` ms after `stop`: the jobs still running then are cancelled. */
  deadline: AbortSignal;
}

/** The call into the component: it runs `handle` on `jobs` and yields each job's outcome. */
export type Component = (
  jobs: AsyncIterable<Delivery>,
  handle: Handler<Delivery, number>,
  intake: Intake,
) => AsyncIterable<Outcome<Delivery, number>>;

/**
 * Runs `pattern`'s program with its jobs in a Redis Stream: parses the flags, produces, works
 * through `component`, or both, and exits with the program's code. The first SIGINT or SIGTERM
 * stops the start-up (exit 0: nothing was taken), the producer and the reading of the stream;
 * the jobs this worker holds finish and are acknowledged, and those still running when the
 * drain time is up are cancelled: not acknowledged, they stay pending and another worker claims
 * them. A second signal exits at once with 130. An error from the server that no retry can
 * help is one line on stderr, and exit 1.
 */
export async function serve(pattern: PatternId, component: Component): Promise<void> {
  const demo = await startDemo(pattern);
  const { role, workers, redisUrl, stream: name, consumer, buffer, drainMs } = demo.options;
  const options = {
    claimIdle: demo.options.claimIdleMs,
    maxDeliveries: demo.options.maxDeliveries,
    capacity: workers,
    buffer,
    onDeadLetter: demo.deadLetter,
  };
  const stop = new AbortController();
  // Once a process listens for SIGINT or SIGTERM, Node no longer exits on it: the program must
  // end by itself. One listener for both, kept to the end: a signal that found none would kill
  // the process.
  let first: { signal: NodeJS.Signals; at: number } | undefined;
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);

  try {
    // One connection each: the producer's waits for room never hold up a worker's ends.
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
  } catch (error) {
    // A stop during the start-up (`open` rejects with its reason) is no outage: nothing was taken
    // from the stream, so nothing is held and nothing failed.
    if (error !== stop.signal.reason) demo.fatal(error);
  }
  await demo.end();
  // Exit now: Node restores the default signal actions while it tears down, and a second Ctrl-C
  // landing then would kill the process instead of ending it with 130.
  process.stdout.write('', () => process.exit());

  function open(): Promise<Stream> {
    return openStream(redisUrl, name, consumer, options, stop.signal);
  }

  async function produce(stream: Stream): Promise<void> {
    for (const job of demo.jobs()) {
      demo.adding(job);
      let added = false;
      try {
        added = await stream.produce(job, demo.payload(job), stop.signal);
      } catch (error) {
        if (!stop.signal.aborted) throw error;
        // No `produce`: the job was added only if the server did it before the connection broke.
        process.stderr.write(
          `job ${job}: stopped before the server answered; it may be in the stream\n`,
        );
      } finally {
        demo.produced(job, added);
      }
      if (!added) return; // stopped first: never submitted, and what was added is safe
    }
  }

  async function work(stream: Stream): Promise<void> {
    const jobs = stream.deliveries(stop.signal);
    const deadline = demo.drainDeadline(stop.signal);
    const intake = {
      workers,
      buffer,
      drain: drainMs,
      stop: stop.signal,
      deadline: deadline.signal,
    };
    // Not awaited one by one: while one batch of ends is on its way to the server, the workers
    // go on, and the ends that come meanwhile go in the next batch.
    const ending = new Set<Promise<void>>();
    try {
      for await (const outcome of component(jobs, demo.handle, intake)) {
        // The component hands each outcome back here, and here alone its job is ended in the
        // stream. Its worker takes another job once this loop asks for the next outcome.
        const end = settle(stream, outcome, deadline.signal).catch(demo.fatal);
        ending.add(end);
        void end.finally(() => ending.delete(end));
      }
      await Promise.all(ending);
    } finally {
      deadline.clear();
    }
  }

  /**
   * Ends `outcome`'s job in `stream` and writes how: acknowledged (`done`, or `duplicate` if
   * another worker had), failed (`fail`, pending to be retried, or `dead`), released unstarted
   * (no event), or left pending (`cancel`): stopped by the drain deadline, or not ended by then
   * because the server was out of reach.
   */
  async function settle(
    stream: Stream,
    outcome: Outcome<Delivery, number>,
    signal: AbortSignal,
  ): Promise<void> {
    const delivery = outcome.job;
    const worker = demo.handedBack(delivery);
    try {
      if (worker === undefined) {
        await stream.release(delivery, { signal }); // read as the stop came: back at once
      } else if (outcome.ok) {
        const acknowledged = await stream.ack(delivery, outcome.value, { signal });
        demo.report(outcome, worker, acknowledged ? 'done' : 'duplicate');
      } else if (demo.cancelled(outcome)) {
        demo.report(outcome, worker, 'cancel'); // not acknowledged: pending for another worker
      } else {
        const dead = await stream.fail(delivery, demo.errorText(outcome), { signal });
        demo.report(outcome, worker, dead ? 'dead' : 'fail');
      }
    } catch (error) {
      if (!signal.aborted) throw error;
      if (worker !== undefined) demo.report(outcome, worker, 'cancel');
    }
  }

  function onSignal(signal: NodeJS.Signals): void {
    if (first === undefined) {
      first = { signal, at: performance.now() };
      demo.stopping(signal);
      stop.abort();
      return;
    }
    // Under `npm start`, npm passes on the Ctrl-C the program already got from the terminal, a
    // few ms later: that echo is not a second Ctrl-C.
    const echo =
      process.env.npm_lifecycle_event === 'start' &&
      signal === first.signal &&
      performance.now() - first.at < 50;
    if (!echo) process.exit(130); // a second signal: out at once
  }
}

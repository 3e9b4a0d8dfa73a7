import { setMaxListeners } from 'node:events';
import { calibrate } from './cpu.js';
import { StopRequested, UsageError } from './errors.js';
import { EventWriter, Jobs } from './jobs.js';
import { parseOptions, usage, type Options, type PatternDefaults } from './options.js';
import { ThreadPool } from './thread-pool.js';
import { simulatedWork } from './work.js';

export const target = 'typescript';

/** What a pattern folder gives the harness to run it as the program. */
export interface PatternProgram {
  id: 'fan-out' | 'producer-consumer' | 'worker-pool' | 'timeout' | 'graceful-stop';
  defaults: PatternDefaults;
  /** The most jobs that can run at once: the size of the thread pool for `--work cpu`. */
  concurrency(options: Options): number;
  /** On the first signal, drain in-flight jobs (graceful-stop) instead of cancelling the run. */
  drainOnStop?: boolean;
  run(context: RunContext): Promise<void>;
}

export interface RunContext {
  options: Options;
  jobs: Jobs;
  /**
   * Aborted by the first SIGINT or SIGTERM, with a `StopRequested` as its reason. The run may
   * reject with that reason once it has stopped.
   */
  stop: AbortSignal;
}

/**
 * Runs a pattern as the program: parses the flags, installs the signal handlers, runs the
 * pattern, writes the summary and sets the exit code. It never calls `process.exit` on the
 * normal path: once the run is over it removes its listeners and closes its threads, so the
 * event loop empties and Node exits by itself with `process.exitCode`.
 */
export async function runProgram(
  pattern: PatternProgram,
  argv: string[] = process.argv.slice(2),
): Promise<void> {
  let options: Options | undefined;
  try {
    options = parseOptions(argv, pattern.defaults);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`error: ${error.message}\nrun with --help for usage\n`);
    process.exitCode = 2;
    return;
  }
  if (options === undefined) {
    process.stdout.write(usage(pattern.id, pattern.defaults));
    return;
  }

  const events = new EventWriter(options.json);
  const stopping = new AbortController();
  // Every running job listens to this one signal: past 10 listeners Node warns of a leak.
  setMaxListeners(0, stopping.signal);
  const drainMs = options.drainMs;
  // Listening for a signal replaces Node's default of exiting at once, so from here on the
  // program must end by itself, first signal or not.
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping.signal.aborted) process.exit(130); // the second signal: no more waiting
    if (pattern.drainOnStop) events.emit({ event: 'stopping', signal, drainMs });
    stopping.abort(new StopRequested(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const threads = options.work === 'cpu' ? new ThreadPool(pattern.concurrency(options)) : undefined;
  const cpu = threads && { threads, iterationsPerMs: calibrate() };
  const jobs = new Jobs(events, simulatedWork(options, cpu));
  try {
    if (pattern.drainOnStop) events.emit({ event: 'ready' });
    try {
      await pattern.run({ options, jobs, stop: stopping.signal });
    } catch (error) {
      // A stopped run may end by rethrowing the stop, as aborted operations do; anything else is a bug.
      if (error !== stopping.signal.reason) throw error;
    } finally {
      await threads?.close();
    }
    const summary = jobs.finish();
    events.emit({
      event: 'summary',
      pattern: pattern.id,
      target,
      elapsedMs: performance.now(),
      ...summary,
    });
    const interrupted = stopping.signal.aborted && !pattern.drainOnStop;
    process.exitCode = interrupted ? 130 : summary.failed + summary.cancelled > 0 ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

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
  /**
   * How many worker threads `--work cpu` may use: the most jobs that compute at once. The pool
   * caps it at the number of cores.
   */
  threads(options: Options): number;
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
 * normal path: once the run is over its threads are closed and no timer is left, so the event
 * loop empties and Node exits by itself with `process.exitCode`.
 */
export async function runProgram(
  pattern: PatternProgram,
  argv: string[] = process.argv.slice(2),
): Promise<void> {
  // Every `t_ms` counts from here, the start of the run, not from the start of the process.
  const startedAt = performance.now();
  process.stdout.on('error', exitOnBrokenPipe);
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

  const events = new EventWriter(options.json, startedAt);
  // The patterns give each job a signal of its own, linked to this one by a single listener,
  // so Node's warning of a listener leak, past 10 of them, stays on: it would be a real leak.
  const stopping = new AbortController();
  const drainMs = options.drainMs;
  let finished = false;
  let first: { signal: NodeJS.Signals; at: number } | undefined;
  // Listening for a signal replaces Node's default of exiting at once, so from here on the
  // program must end by itself. The listeners stay until the process exits (they do not keep
  // it alive), so that a late signal gets exit code 130 rather than the default death by signal.
  const onSignal = (signal: NodeJS.Signals) => {
    if (first !== undefined && isEcho(first, signal)) return;
    // A second signal, or one after the summary: no more waiting, and nothing more written.
    if (first !== undefined || finished) process.exit(130);
    first = { signal, at: performance.now() };
    if (pattern.drainOnStop) events.emit({ event: 'stopping', signal, drainMs });
    stopping.abort(new StopRequested(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const threads = options.work === 'cpu' ? new ThreadPool(pattern.threads(options)) : undefined;
  // The threads start while the main thread calibrates, and are online before the first job,
  // so that no job spends its time (or its deadline) waiting for one to start.
  const starting = threads?.start();
  const cpu = threads && { threads, iterationsPerMs: calibrate() };
  await starting;
  const jobs = new Jobs(events, simulatedWork(options, cpu));
  if (pattern.drainOnStop) events.emit({ event: 'ready' });
  try {
    await pattern.run({ options, jobs, stop: stopping.signal });
  } catch (error) {
    // A stopped run may end by rethrowing the stop, as aborted operations do.
    // Anything else is a bug, and must crash the program loudly.
    if (error !== stopping.signal.reason) throw error;
  } finally {
    await threads?.close();
  }
  const summary = jobs.finish();
  events.emit({
    event: 'summary',
    pattern: pattern.id,
    target,
    elapsedMs: events.elapsedMs(),
    ...summary,
  });
  finished = true;
  if (stopping.signal.aborted && !pattern.drainOnStop) {
    // Interrupted: the run is over and everything is closed, so exit as soon as the summary is
    // out. Waiting for the loop to empty would also work, but while Node tears down it restores
    // the default signal actions, and a second Ctrl-C landing then would kill the process
    // instead of ending it with 130.
    process.stdout.write('', () => process.exit(130));
    return;
  }
  process.exitCode = summary.failed + summary.cancelled > 0 ? 1 : 0;
}

/**
 * Once the reader of stdout is gone (`main.js --json | head -1`), every write fails with EPIPE,
 * and an unhandled stream error would crash the program with a stack trace. A C or Go program
 * is killed by SIGPIPE at that point; Node ignores SIGPIPE and gets this error instead. Either
 * way nobody is listening any more: stop at once, quietly, with the status a shell shows for
 * death by SIGPIPE (128 + 13). Any other error on stdout is still a crash.
 */
function exitOnBrokenPipe(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EPIPE') throw error;
  process.exit(128 + 13);
}

// Under `npm start`, npm passes each signal it receives on to the program. When Ctrl-C goes to
// the whole process group, the program has already received it from the terminal, and if the
// shell between them handed its place to the program, it gets the same Ctrl-C twice, a few ms
// apart. That echo is not a second Ctrl-C, and must not skip the drain.
const echoWindowMs = process.env.npm_lifecycle_event === 'start' ? 50 : 0;

function isEcho(first: { signal: NodeJS.Signals; at: number }, signal: NodeJS.Signals): boolean {
  return signal === first.signal && performance.now() - first.at < echoWindowMs;
}

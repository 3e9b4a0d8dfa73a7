// The demo around the component: the program's flags, its simulated jobs, and the events and
// summary it writes for each job (docs/program-contract.md in the create-concur-pattern repository).
import { availableParallelism } from 'node:os';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Outcome } from '../outcome.js';
import { calibrate } from './cpu.js';
import { ThreadPool } from './thread-pool.js';

export type PatternId =
  'fan-out' | 'producer-consumer' | 'worker-pool' | 'timeout' | 'graceful-stop';

const defaults = {
  'fan-out': { jobs: 3, workMs: 1000 },
  'producer-consumer': { jobs: 5, workMs: 500 },
  'worker-pool': { jobs: 5, workMs: 500 },
  timeout: { jobs: 1, workMs: 2000 },
  'graceful-stop': { jobs: 0, workMs: 500 },
};
const flags = {
  jobs: { type: 'string' },
  workers: { type: 'string', default: '3' },
  'work-ms': { type: 'string' },
  work: { type: 'string', default: 'io' },
  'fail-every': { type: 'string', default: '0' },
  'timeout-ms': { type: 'string', default: '1000' },
  buffer: { type: 'string', default: '2' },
  'drain-ms': { type: 'string', default: '5000' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
} as const;
const maxInteger = 2 ** 31 - 1; // timers cannot wait longer

export type Options = NonNullable<ReturnType<typeof parse>>;
type Counts = Record<'submitted' | 'completed' | 'failed' | 'timed_out' | 'cancelled', number>;

function parse(argv: string[], pattern: PatternId) {
  const { values } = parseArgs({ args: argv, options: flags, strict: true });
  if (values.help === true) return undefined;
  const integer = (flag: keyof typeof flags, fallback: number, min = 0) => {
    const text = String(values[flag] ?? fallback);
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > maxInteger) {
      throw new Error(`--${flag} must be an integer from ${min} to ${maxInteger}, got '${text}'`);
    }
    return Number(text);
  };
  if (values.work !== 'io' && values.work !== 'cpu') {
    throw new Error(`--work must be 'io' or 'cpu', got '${values.work}'`);
  }
  return {
    jobs: integer('jobs', defaults[pattern].jobs),
    workers: integer('workers', 3, 1),
    workMs: integer('work-ms', defaults[pattern].workMs),
    work: values.work,
    failEvery: integer('fail-every', 0),
    timeoutMs: integer('timeout-ms', 1000, 1),
    buffer: integer('buffer', 2, 1),
    drainMs: integer('drain-ms', 5000),
    json: values.json,
  };
}

function usage(pattern: PatternId): string {
  const { jobs, workMs } = defaults[pattern];
  return `usage: node dist/main.js [flags]

Runs the ${pattern} pattern on simulated jobs and reports every event.

flags:
  --jobs N          jobs to submit (default ${jobs}${jobs === 0 ? ', 0 = until signalled' : ''})
  --workers N       how many jobs run at once (default 3)
  --work-ms MS      simulated work per job (default ${workMs})
  --work io|cpu     io sleeps; cpu computes on a pool of worker threads (default io)
  --fail-every K    every K-th job fails, 0 = none (default 0)
  --timeout-ms MS   deadline per operation, timeout pattern (default 1000)
  --buffer N        queue capacity, producer-consumer (default 2)
  --drain-ms MS     how long a graceful stop waits for in-flight jobs (default 5000)
  --json            one JSON event per line instead of text
  -h, --help        show this help
`;
}

/** The failure `--fail-every` injects into every K-th job, once its work is done. */
export class InjectedFailure extends Error {
  override name = 'InjectedFailure';
}

/** A job stopped by its signal: reported as `cancel`, not `fail`. */
export class Cancelled extends Error {
  override name = 'Cancelled';
}

/**
 * What went wrong, as text, whatever was thrown. Never throws itself: a thrown value may have no
 * `toString`, or a `message` getter that throws, and its report must not become a second failure.
 */
export function describeError(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    try {
      return Object.prototype.toString.call(error);
    } catch {
      return '<unprintable error>';
    }
  }
}

type Fields = { job?: number; worker?: number; [field: string]: unknown };

/**
 * The program as a demo: parses the flags, and exits with the usage (2) or the help (0) if that
 * is all there is to do. `jobs`, `handle` and `report` are what `main` hands the component.
 */
export async function startDemo(pattern: PatternId, argv = process.argv.slice(2)): Promise<Demo> {
  // Every `t_ms` counts from here, the start of the run, not from the start of the process.
  const startedAt = performance.now();
  let options: Options | undefined;
  try {
    options = parse(argv, pattern);
  } catch (error) {
    process.stderr.write(`error: ${describeError(error)}\nrun with --help for usage\n`);
    process.exit(2);
  }
  if (options === undefined) {
    process.stdout.write(usage(pattern));
    process.exit(0);
  }
  process.stdout.on('error', exitOnBrokenPipe);
  let threads: ThreadPool | undefined;
  let iterationsPerMs = 0;
  if (options.work === 'cpu') {
    // At most one thread per core: more would compute no faster, and cost megabytes each.
    const size = pattern === 'fan-out' ? options.jobs : options.workers;
    threads = new ThreadPool(Math.max(1, Math.min(size, availableParallelism())));
    // The threads start while this thread calibrates, so no job waits for one to start.
    const starting = threads.start();
    iterationsPerMs = calibrate();
    await starting;
  }
  return new Demo(pattern, options, startedAt, threads, iterationsPerMs);
}

export class Demo {
  /** The jobs not ended yet, and the worker running each; finished jobs are forgotten. */
  readonly #live = new Map<number, { worker?: number; running: boolean }>();
  readonly #counts: Counts = { submitted: 0, completed: 0, failed: 0, timed_out: 0, cancelled: 0 };
  #running = 0;
  #most = 0;
  #stoppedBy: NodeJS.Signals | undefined;
  #ended = false;

  constructor(
    readonly pattern: PatternId,
    readonly options: Options,
    readonly startedAt: number,
    readonly threads: ThreadPool | undefined,
    readonly iterationsPerMs: number,
  ) {}

  /**
   * The job ids 1..`--jobs`. All are submitted now, so that a job never started still gets its
   * `cancel`; except where a job is submitted as it is read: by the producer (`produce`), and
   * by graceful-stop, whose source has no end with `--jobs 0`.
   */
  jobs(): Iterable<number> {
    const { jobs } = this.options;
    if (this.pattern === 'producer-consumer' || this.pattern === 'graceful-stop') {
      return this.#read(jobs, this.pattern === 'producer-consumer' ? 'produce' : undefined);
    }
    const all = Array.from({ length: jobs }, (_, index) => index + 1);
    all.forEach((job) => this.#submit(job));
    return all;
  }

  *#read(count: number, event?: 'produce'): Generator<number, void, undefined> {
    for (let job = 1; count === 0 ? this.pattern === 'graceful-stop' : job <= count; job++) {
      this.#submit(job, event);
      yield job;
    }
  }

  /** The simulated job: `--work-ms` of io or cpu work, then `job * 2` or the injected failure. */
  readonly handle = async (job: number, worker: number, signal: AbortSignal): Promise<number> => {
    const live = this.#live.get(job);
    if (live?.running !== false) throw new Error(`job ${job} cannot start: it is not waiting`);
    const shown = this.pattern === 'fan-out' || this.pattern === 'timeout' ? undefined : worker;
    if (this.pattern === 'producer-consumer') this.#emit('consume', { job, worker });
    Object.assign(live, { worker: shown, running: true });
    this.#most = Math.max(this.#most, ++this.#running);
    this.#emit('start', { job, worker: shown });
    const { workMs, failEvery } = this.options;
    try {
      if (this.threads !== undefined) {
        await this.threads.run(Math.round(workMs * this.iterationsPerMs), signal);
      } else if (workMs === 0) {
        // No timer, which Node runs after 1 ms at the earliest; but one turn of the event loop, so
        // a long run of empty jobs lets signals and output through.
        await nextTurn(undefined, { signal });
      } else {
        await sleep(workMs, undefined, { signal });
      }
    } catch (error) {
      throw signal.aborted ? new Cancelled(`job ${job} cancelled`, { cause: error }) : error;
    }
    if (failEvery > 0 && job % failEvery === 0) throw new InjectedFailure('injected failure');
    return job * 2;
  };

  /** The handler of a pattern without workers. */
  readonly task = (job: number, signal: AbortSignal) => this.handle(job, 0, signal);

  /** Writes the job's terminal event: `done`, `timeout`, `cancel` or `fail`. */
  report(outcome: Outcome<number, number>): void {
    const { job } = outcome;
    const live = this.#live.get(job);
    if (live?.running !== true) throw new Error(`job ${job} ended but was not running`);
    this.#running--;
    const { worker } = live;
    if (outcome.ok) this.#end(job, 'completed', 'done', { worker, result: outcome.value });
    else if (outcome.error instanceof Error && outcome.error.name === 'TimeoutError') {
      this.#end(job, 'timed_out', 'timeout', {});
    } else if (outcome.error instanceof Cancelled)
      this.#end(job, 'cancelled', 'cancel', { worker });
    else this.#end(job, 'failed', 'fail', { worker, error: describeError(outcome.error) });
  }

  /** graceful-stop writes `ready` once its signal listeners are in place. */
  ready(): void {
    this.#emit('ready', {});
  }

  /** A first SIGINT or SIGTERM: graceful-stop says it is draining. */
  stopping(signal: NodeJS.Signals): void {
    // A signal after the summary: nothing is left to stop, and nothing more is written.
    if (this.#ended) process.exit(130);
    this.#stoppedBy = signal;
    if (this.pattern === 'graceful-stop') this.#emit('stopping', { signal });
  }

  /**
   * Closes the worker threads, cancels the jobs never started, writes the summary and sets the
   * exit code: 1 if a job failed or was cancelled, 130 once a stop cut the run short.
   */
  async end(): Promise<void> {
    await this.threads?.close();
    for (const [job, { running }] of this.#live) {
      if (running) throw new Error(`job ${job} is still running`);
      this.#end(job, 'cancelled', 'cancel', {});
    }
    const { submitted, completed, failed, timed_out, cancelled } = this.#counts;
    this.#emit('summary', {
      pattern: this.pattern,
      target: 'typescript',
      submitted,
      completed,
      failed,
      timed_out,
      cancelled,
      max_concurrency: this.#most,
      elapsed_ms: this.#elapsedMs(),
    });
    this.#ended = true;
    if (this.#stoppedBy !== undefined && this.pattern !== 'graceful-stop') {
      // Exit at once: while Node tears down it restores the default signal actions, and a second
      // Ctrl-C landing then would kill the process instead of ending it with 130.
      process.stdout.write('', () => process.exit(130));
      return;
    }
    process.exitCode = failed + cancelled > 0 ? 1 : 0;
  }

  #submit(job: number, event?: 'produce'): void {
    this.#live.set(job, { running: false });
    this.#counts.submitted++;
    if (event !== undefined) this.#emit(event, { job });
  }

  #end(job: number, count: keyof Counts, event: string, fields: Fields): void {
    this.#live.delete(job);
    this.#counts[count]++;
    this.#emit(event, { job, ...fields });
  }

  #elapsedMs(): number {
    return Math.round((performance.now() - this.startedAt) * 1000) / 1000;
  }

  #emit(event: string, { job, worker, ...rest }: Fields): void {
    const line = this.options.json
      ? // Key order is part of the contract; the summary has no t_ms, `stopping` its signal first.
        JSON.stringify({
          event,
          job,
          worker,
          ...(event === 'stopping' ? rest : {}),
          t_ms: event === 'summary' ? undefined : this.#elapsedMs(),
          ...rest,
        })
      : this.#human(event, { job, worker, ...rest });
    process.stdout.write(`${line}\n`);
  }

  #human(event: string, { job, worker, ...rest }: Fields): string {
    const { timeoutMs, drainMs } = this.options;
    const text: Record<string, () => string> = {
      start: () =>
        worker === undefined ? `job ${job} started` : `worker ${worker} processing job ${job}`,
      done: () => `job ${job} done: ${rest.result}`,
      fail: () => `job ${job} failed: ${rest.error}`,
      timeout: () => `job ${job}: request timed out after ${timeoutMs} ms`,
      cancel: () => `job ${job} cancelled`,
      produce: () => `produced ${job}`,
      consume: () => `consumed ${job}`,
      ready: () => 'ready: press Ctrl-C or send SIGTERM to stop',
      stopping: () =>
        `received ${rest.signal}: stopping intake, draining in-flight jobs (up to ${drainMs} ms)`,
      summary: () =>
        `summary: ${rest.submitted} submitted, ${rest.completed} completed, ${rest.failed} failed, ` +
        `${rest.timed_out} timed out, ${rest.cancelled} cancelled, max concurrency ` +
        `${rest.max_concurrency}, ${Math.round(Number(rest.elapsed_ms))} ms ` +
        `(${rest.pattern} on ${rest.target})`,
    };
    return text[event]!();
  }
}

/**
 * After a first signal Node no longer exits on SIGINT or SIGTERM: a second one, of either kind,
 * ends the program at once with 130.
 */
export function exitOnSecondSignal(first: NodeJS.Signals): void {
  const at = performance.now();
  const onSignal = (signal: NodeJS.Signals) => {
    // Under `npm start`, npm passes on the Ctrl-C the program already got from the terminal, a
    // few ms later: that echo is not a second Ctrl-C.
    const echo = process.env.npm_lifecycle_event === 'start' && performance.now() - at < 50;
    if (!(echo && signal === first)) process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/**
 * Once the reader of stdout is gone (`main.js --json | head -1`), every write fails with EPIPE.
 * A C or Go program would die of SIGPIPE there; exit quietly with the status a shell shows for
 * that (128 + 13). Any other error on stdout is still a crash.
 */
function exitOnBrokenPipe(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EPIPE') throw error;
  process.exit(128 + 13);
}

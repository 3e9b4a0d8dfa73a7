// The demo around the component: the program's flags, its simulated jobs, and the events and
// summary it writes, the same in every language this project is generated for.
import { availableParallelism } from 'node:os';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Outcome } from '../outcome.js';
import { calibrate } from './cpu.js';
import { ThreadPool } from './thread-pool.js';

type PatternId = 'fan-out' | 'producer-consumer' | 'worker-pool' | 'timeout' | 'graceful-stop';
const jobsAndWorkMs = {
  'fan-out': [3, 1000],
  'producer-consumer': [5, 500],
  'worker-pool': [5, 500],
  timeout: [1, 2000],
  'graceful-stop': [0, 500],
} as const;
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
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function parse(argv: string[], pattern: PatternId) {
  const { values } = parseArgs({ args: argv, options: flags, strict: true });
  const [jobs, workMs] = jobsAndWorkMs[pattern];
  const integer = (flag: Exclude<keyof typeof flags, 'work' | 'json' | 'help'>, min = 0) => {
    const text = values[flag] ?? String(flag === 'jobs' ? jobs : workMs);
    // A timer cannot wait 2 ** 31 ms or more.
    if (/^\d+$/.test(text) && Number(text) >= min && Number(text) < 2 ** 31) return Number(text);
    throw new Error(`--${flag} must be an integer from ${min} to ${2 ** 31 - 1}, got '${text}'`);
  };
  if (values.work !== 'io' && values.work !== 'cpu') {
    throw new Error(`--work must be 'io' or 'cpu', got '${values.work}'`);
  }
  return {
    jobs: integer('jobs'),
    workers: integer('workers', 1),
    workMs: integer('work-ms'),
    work: values.work,
    failEvery: integer('fail-every'),
    timeoutMs: integer('timeout-ms', 1),
    buffer: integer('buffer', 1),
    drainMs: integer('drain-ms'),
    json: values.json,
    help: values.help,
  };
}

const usage = (
  pattern: PatternId,
  [jobs, workMs] = jobsAndWorkMs[pattern],
) => `usage: node dist/main.js [flags]

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

/** A job stopped by its signal: reported as `cancel`, not `fail`. */
class Cancelled extends Error {}

/**
 * Parses the flags, and exits with the usage (2) or the help (0) if that is all there is to do;
 * with `--work cpu`, starts the worker threads. `main` hands the component `jobs()` and `handle`,
 * and gives every outcome to `report`.
 */
export async function startDemo(pattern: PatternId, argv = process.argv.slice(2)): Promise<Demo> {
  const startedAt = performance.now(); // every t_ms counts from here
  // Once the reader of stdout is gone (`| head -1`), exit as a C or Go program dies of SIGPIPE.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(128 + 13);
  });
  let options: ReturnType<typeof parse>;
  try {
    options = parse(argv, pattern);
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\nrun with --help for usage\n`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(usage(pattern));
    process.exit(0);
  }
  if (options.work === 'io') return new Demo(pattern, options, startedAt);
  // At most one thread per core: more would compute no faster, and cost megabytes each.
  const size = pattern === 'fan-out' ? options.jobs : options.workers;
  const threads = new ThreadPool(Math.max(1, Math.min(size, availableParallelism())));
  const starting = threads.start(); // online before the first job, while this thread calibrates
  const cpu = { threads, iterationsPerMs: calibrate() };
  await starting;
  return new Demo(pattern, options, startedAt, cpu);
}

type Count = 'submitted' | 'completed' | 'failed' | 'timed_out' | 'cancelled' | 'max_concurrency';
type Fields = { job?: number; worker?: number; [field: string]: unknown };

export class Demo {
  /** The jobs not ended yet: finished jobs are forgotten, so an endless run stays flat. */
  readonly #live = new Map<number, { worker?: number; running: boolean }>();
  readonly #counts = Object.fromEntries(
    ['submitted', 'completed', 'failed', 'timed_out', 'cancelled', 'max_concurrency'].map((c) => [
      c,
      0,
    ]),
  ) as Record<Count, number>;
  #running = 0;
  #stopped = false;
  #ended = false;

  constructor(
    readonly pattern: PatternId,
    readonly options: ReturnType<typeof parse>,
    readonly startedAt: number,
    readonly cpu?: { threads: ThreadPool; iterationsPerMs: number },
  ) {}

  /**
   * The job ids 1..`--jobs`, all submitted now so that one never started still gets `cancel`;
   * but producer-consumer submits each as it is read (`produce`), and so does graceful-stop,
   * whose jobs have no end with `--jobs 0`.
   */
  jobs(): Iterable<number> {
    const { pattern, options } = this;
    const read = function* (demo: Demo) {
      for (
        let job = 1;
        job <= options.jobs || (pattern === 'graceful-stop' && !options.jobs);
        job++
      ) {
        demo.#live.set(job, { running: false });
        demo.#counts.submitted++;
        if (pattern === 'producer-consumer') demo.#emit('produce', { job });
        yield job;
      }
    };
    return pattern === 'producer-consumer' || pattern === 'graceful-stop'
      ? read(this)
      : [...read(this)];
  }

  /** The simulated job: `--work-ms` of io or cpu work, then `job * 2` or the injected failure. */
  readonly handle = async (job: number, worker: number, signal: AbortSignal): Promise<number> => {
    const shown = this.pattern === 'fan-out' || this.pattern === 'timeout' ? undefined : worker;
    if (this.pattern === 'producer-consumer') this.#emit('consume', { job, worker });
    this.#live.set(job, { worker: shown, running: true });
    this.#counts.max_concurrency = Math.max(this.#counts.max_concurrency, ++this.#running);
    this.#emit('start', { job, worker: shown });
    const { workMs, failEvery } = this.options;
    try {
      if (this.cpu)
        await this.cpu.threads.run(Math.round(workMs * this.cpu.iterationsPerMs), signal);
      // A 0 ms timer would wait 1 ms; one turn of the event loop lets signals and output through.
      else if (workMs === 0) await nextTurn(undefined, { signal });
      else await sleep(workMs, undefined, { signal });
    } catch (error) {
      throw signal.aborted ? new Cancelled(`job ${job} cancelled`, { cause: error }) : error;
    }
    if (failEvery > 0 && job % failEvery === 0) throw new Error('injected failure');
    return job * 2;
  };

  /** The handler of fan-out, which has no workers. */
  readonly task = (job: number, signal: AbortSignal) => this.handle(job, 0, signal);

  /** Writes the job's terminal event: `done`, `timeout`, `cancel` or `fail`. */
  report({ job, ...outcome }: Outcome<number, number>): void {
    const worker = this.#live.get(job)?.worker;
    this.#running--;
    if (outcome.ok) this.#end(job, 'completed', 'done', { worker, result: outcome.value });
    else if ((outcome.error as Error).name === 'TimeoutError')
      this.#end(job, 'timed_out', 'timeout');
    else if (outcome.error instanceof Cancelled) this.#end(job, 'cancelled', 'cancel', { worker });
    else this.#end(job, 'failed', 'fail', { worker, error: (outcome.error as Error).message });
  }

  /** graceful-stop writes `ready` once its signal listeners are in place. */
  ready(): void {
    this.#emit('ready');
  }

  /** The first SIGINT or SIGTERM; after the summary, it ends the program with 130. */
  stopping(signal: NodeJS.Signals): void {
    if (this.#ended) process.exit(130);
    this.#stopped = true;
    if (this.pattern === 'graceful-stop') this.#emit('stopping', { signal });
  }

  /** Cancels the jobs never started, writes the summary and sets the exit code. */
  async end(): Promise<void> {
    await this.cpu?.threads.close();
    for (const [job, { running }] of this.#live) {
      if (running) throw new Error(`job ${job} is still running`);
      this.#end(job, 'cancelled', 'cancel');
    }
    this.#emit('summary', { pattern: this.pattern, target: 'typescript', ...this.#counts });
    this.#ended = true;
    const { failed, cancelled } = this.#counts;
    process.exitCode = failed + cancelled > 0 ? 1 : 0;
    // Interrupted: exit now, as Node restores the default signal actions while it tears down,
    // and a second Ctrl-C landing then would kill the process instead of ending it with 130.
    if (this.#stopped && this.pattern !== 'graceful-stop') {
      process.stdout.write('', () => process.exit(130));
    }
  }

  #end(job: number, count: Count, event: string, fields: Fields = {}): void {
    this.#live.delete(job);
    this.#counts[count]++;
    this.#emit(event, { job, ...fields });
  }

  #emit(event: string, { job, worker, ...rest }: Fields = {}): void {
    const ms = Math.round((performance.now() - this.startedAt) * 1000) / 1000;
    const { json, timeoutMs, drainMs } = this.options;
    // Key order is part of the contract: `stopping` has its signal first, the summary no t_ms.
    const line = () => {
      if (event === 'summary') return { event, ...rest, elapsed_ms: ms };
      return { event, job, worker, ...(event === 'stopping' ? rest : {}), t_ms: ms, ...rest };
    };
    const human: Record<string, () => string> = {
      start: () => (worker ? `worker ${worker} processing job ${job}` : `job ${job} started`),
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
        `${rest.max_concurrency}, ${Math.round(ms)} ms (${this.pattern} on typescript)`,
    };
    process.stdout.write(`${json ? JSON.stringify(line()) : human[event]!()}\n`);
  }
}

/** After a first signal, a second one of either kind ends the program at once with 130. */
export function exitOnSecondSignal(first: NodeJS.Signals): void {
  const at = performance.now();
  const onSignal = (signal: NodeJS.Signals) => {
    // Under `npm start`, npm passes on the Ctrl-C the program already got from the terminal, a
    // few ms later: that echo is not a second Ctrl-C.
    const echo = process.env.npm_lifecycle_event === 'start' && performance.now() - at < 50;
    if (!echo || signal !== first) process.exit(130);
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
}

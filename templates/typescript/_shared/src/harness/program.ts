// The demo around the component: the program's flags, its simulated jobs, and the events and
// summary it writes, the same in every language this project is generated for.
import { availableParallelism } from 'node:os';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Outcome } from '../outcome.js';
import { calibrate, ThreadPool } from './thread-pool.js';

const startedAt = performance.now(); // every t_ms counts from here: `main` imports this first

type PatternId = 'fan-out' | 'producer-consumer' | 'worker-pool' | 'timeout' | 'graceful-stop';
const jobsAndWorkMs = {
  'fan-out': [3, 1000],
  'producer-consumer': [5, 500],
  'worker-pool': [5, 500],
  timeout: [1, 2000],
  'graceful-stop': [0, 500],
} as const;

function parse(argv: string[], pattern: PatternId) {
  const [jobs, workMs] = jobsAndWorkMs[pattern].map(String);
  const text = (value?: string) => ({ type: 'string', default: value }) as const;
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...{ jobs: text(jobs), workers: text('3'), 'work-ms': text(workMs), work: text('io') },
      ...{ 'fail-every': text('0'), 'timeout-ms': text('1000'), buffer: text('2') },
      ...{
        'drain-ms': text('5000'),
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    },
  });
  const integer = (flag: Exclude<keyof typeof values, 'work' | 'json' | 'help'>, min = 0) => {
    const text = values[flag]!;
    // A timer cannot wait 2 ** 31 ms or more.
    if (/^\d+$/.test(text) && Number(text) >= min && Number(text) < 2 ** 31) return Number(text);
    throw new Error(`--${flag} must be an integer from ${min} to ${2 ** 31 - 1}, got '${text}'`);
  };
  if (values.work !== 'io' && values.work !== 'cpu') {
    throw new Error(`--work must be 'io' or 'cpu', got '${values.work}'`);
  }
  return {
    ...{ jobs: integer('jobs'), workers: integer('workers', 1), workMs: integer('work-ms') },
    ...{ work: values.work, failEvery: integer('fail-every'), timeoutMs: integer('timeout-ms', 1) },
    ...{ buffer: integer('buffer', 1), drainMs: integer('drain-ms'), json: values.json === true },
    help: values.help === true,
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
 * Parses the flags (exits 2 on a bad one, 0 after `--help`); with `--work cpu`, starts the
 * threads. `main` gives the component `jobs()` and `handle`, and every outcome to `report`.
 */
export async function startDemo(pattern: PatternId, argv = process.argv.slice(2)): Promise<Demo> {
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
  if (options.work === 'io') return new Demo(pattern, options);
  // At most one thread per core: more would compute no faster, and cost megabytes each.
  const size = pattern === 'fan-out' ? options.jobs : options.workers;
  const threads = new ThreadPool(Math.max(1, Math.min(size, availableParallelism())));
  const starting = threads.start(); // online before the first job, while this thread calibrates
  const cpu = { threads, iterationsPerMs: calibrate() };
  await starting;
  return new Demo(pattern, options, cpu);
}

/** What each terminal event counts in the summary. */
const ends = {
  done: 'completed',
  fail: 'failed',
  timeout: 'timed_out',
  cancel: 'cancelled',
} as const;
type Fields = { job?: number; worker?: number; [field: string]: unknown };

export class Demo {
  /** The worker of each job started and not reported yet: finished jobs are forgotten. */
  readonly #running = new Map<number, number | undefined>();
  readonly #counts = {
    ...{ submitted: 0, completed: 0, failed: 0, timed_out: 0, cancelled: 0 },
    max_concurrency: 0,
  };
  #read = 0;
  #ended = false;

  constructor(
    readonly pattern: PatternId,
    readonly options: ReturnType<typeof parse>,
    readonly cpu?: { threads: ThreadPool; iterationsPerMs: number },
  ) {}

  /** The job ids 1..`--jobs`, read one at a time; graceful-stop's never end with `--jobs 0`. */
  *jobs(): Generator<number, void, undefined> {
    const endless = this.pattern === 'graceful-stop' && this.options.jobs === 0;
    while (endless || this.#read < this.options.jobs) {
      const job = ++this.#read;
      if (this.pattern === 'producer-consumer') this.#emit('produce', { job });
      yield job;
    }
  }

  /** The simulated job: `--work-ms` of io or cpu work, then `job * 2` or the injected failure. */
  readonly handle = async (job: number, worker: number, signal: AbortSignal): Promise<number> => {
    const shown = this.pattern === 'fan-out' || this.pattern === 'timeout' ? undefined : worker;
    if (this.pattern === 'producer-consumer') this.#emit('consume', { job, worker });
    this.#running.set(job, shown);
    this.#counts.max_concurrency = Math.max(this.#counts.max_concurrency, this.#running.size);
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

  /** Writes the job's terminal event: `done`, `timeout`, `cancel` (never started, or stopped). */
  report({ job, ...outcome }: Outcome<number, number>): void {
    const worker = this.#running.get(job);
    const started = this.#running.delete(job);
    if (outcome.ok) return this.#emit('done', { job, worker, result: outcome.value });
    const error = outcome.error as Error;
    if (error.name === 'TimeoutError') this.#emit('timeout', { job });
    else if (!started || error instanceof Cancelled) this.#emit('cancel', { job, worker });
    else this.#emit('fail', { job, worker, error: error.message });
  }

  /** graceful-stop writes `ready` once its signal listeners are in place. */
  ready(): void {
    this.#emit('ready');
  }

  /** The first SIGINT or SIGTERM; after the summary, it ends the program with 130. */
  stopping(signal: NodeJS.Signals): void {
    if (this.#ended) process.exit(130);
    if (this.pattern === 'graceful-stop') this.#emit('stopping', { signal });
  }

  /** Cancels the jobs never read, writes the summary and sets the exit code. */
  async end(): Promise<void> {
    await this.cpu?.threads.close();
    // The jobs never read are cancelled, except where reading a job is what submits it.
    if (this.pattern !== 'producer-consumer' && this.pattern !== 'graceful-stop') {
      for (const job of this.jobs()) this.#emit('cancel', { job });
    }
    this.#counts.submitted = this.#read;
    this.#emit('summary', { pattern: this.pattern, target: 'typescript', ...this.#counts });
    this.#ended = true;
    const { failed, cancelled } = this.#counts;
    process.exitCode = failed + cancelled > 0 ? 1 : 0;
  }

  #emit(event: string, { job, worker, ...rest }: Fields = {}): void {
    if (event in ends) this.#counts[ends[event as keyof typeof ends]]++;
    const ms = Math.round((performance.now() - startedAt) * 1000) / 1000;
    // Key order is part of the contract: `stopping` has its signal first, the summary no t_ms.
    const json = () => {
      if (event === 'summary') return { event, ...rest, elapsed_ms: ms };
      return { event, job, worker, ...(event === 'stopping' ? rest : {}), t_ms: ms, ...rest };
    };
    const human: Record<string, () => string> = {
      start: () => (worker ? `worker ${worker} processing job ${job}` : `job ${job} started`),
      done: () => `job ${job} done: ${rest.result}`,
      fail: () => `job ${job} failed: ${rest.error}`,
      timeout: () => `job ${job}: request timed out after ${this.options.timeoutMs} ms`,
      cancel: () => `job ${job} cancelled`,
      produce: () => `produced ${job}`,
      consume: () => `consumed ${job}`,
      ready: () => 'ready: press Ctrl-C or send SIGTERM to stop',
      stopping: () =>
        `received ${rest.signal}: stopping intake, draining in-flight jobs (up to ${this.options.drainMs} ms)`,
      summary: () =>
        `summary: ${rest.submitted} submitted, ${rest.completed} completed, ${rest.failed} failed, ` +
        `${rest.timed_out} timed out, ${rest.cancelled} cancelled, max concurrency ` +
        `${rest.max_concurrency}, ${Math.round(ms)} ms (${this.pattern} on typescript)`,
    };
    process.stdout.write(`${this.options.json ? JSON.stringify(json()) : human[event]!()}\n`);
  }
}

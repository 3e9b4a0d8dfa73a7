// The demo around the component, with its jobs carried by a Redis Stream: the program's flags,
// the jobs it produces, the work each job's payload asks for, and the events and summary it
// writes, the same in every language this project is generated for.
import { availableParallelism, hostname } from 'node:os';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Outcome } from '../outcome.js';
import { ErrorReply } from 'redis';
import { type DeadLetter, type Delivery, type Stream, UnreachableError } from '../redis-stream.js';
import { calibrate, ThreadPool } from './thread-pool.js';

const startedAt = performance.now(); // every t_ms counts from here: `main` imports this first

export type PatternId = 'producer-consumer' | 'worker-pool' | 'graceful-stop';
const defaultJobs = { 'producer-consumer': 5, 'worker-pool': 5, 'graceful-stop': 0 } as const;
const roles = ['producer', 'worker', 'both'] as const;

function parse(argv: string[], pattern: PatternId) {
  const text = (value?: string) => ({ type: 'string', default: value }) as const;
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...{ jobs: text(String(defaultJobs[pattern])), workers: text('3'), 'work-ms': text('500') },
      ...{ work: text('io'), 'fail-every': text('0'), 'timeout-ms': text('1000') },
      ...{ buffer: text('2'), 'drain-ms': text('5000') },
      ...{ 'redis-url': text(process.env.REDIS_URL || 'redis://127.0.0.1:6379/0') },
      ...{ stream: text('concur:jobs'), role: text('both'), consumer: text() },
      ...{ 'claim-idle-ms': text('30000'), 'max-deliveries': text('5'), 'idle-exit-ms': text() },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  type Numeric = 'jobs' | 'workers' | 'work-ms' | 'fail-every' | 'timeout-ms' | 'buffer';
  type Flag = Numeric | 'drain-ms' | 'claim-idle-ms' | 'max-deliveries' | 'idle-exit-ms';
  const integer = (flag: Flag, min = 0, value = values[flag]!) => {
    // A timer cannot wait 2 ** 31 ms or more.
    if (/^\d+$/.test(value) && Number(value) >= min && Number(value) < 2 ** 31)
      return Number(value);
    throw new Error(`--${flag} must be an integer from ${min} to ${2 ** 31 - 1}, got '${value}'`);
  };
  if (values.work !== 'io' && values.work !== 'cpu') {
    throw new Error(`--work must be 'io' or 'cpu', got '${values.work}'`);
  }
  const role = roles.find((known) => known === values.role);
  if (role === undefined) {
    throw new Error(`--role must be one of ${roles.join(', ')}, got '${values.role}'`);
  }
  const redisUrl = values['redis-url']!;
  if (!isRedisUrl(redisUrl)) {
    throw new Error(
      `--redis-url must look like redis://host:6379/0 or rediss://…, got '${redisUrl}'`,
    );
  }
  if (values.stream === '') throw new Error('--stream must not be empty');
  return {
    ...{ jobs: integer('jobs'), workers: integer('workers', 1), workMs: integer('work-ms') },
    ...{ work: values.work, failEvery: integer('fail-every'), timeoutMs: integer('timeout-ms', 1) },
    ...{ buffer: integer('buffer', 1), drainMs: integer('drain-ms'), json: values.json === true },
    ...{ redisUrl, stream: values.stream!, role },
    consumer: values.consumer || `${hostname()}-${process.pid}`,
    claimIdleMs: integer('claim-idle-ms', 1),
    maxDeliveries: integer('max-deliveries', 1),
    idleExitMs: integer(
      'idle-exit-ms',
      0,
      values['idle-exit-ms'] ?? (role === 'both' ? '500' : '0'),
    ),
    help: values.help === true,
  };
}

/** A `redis://` or `rediss://` URL with a host, a valid port if any, and a database number. */
function isRedisUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return (
    (url.protocol === 'redis:' || url.protocol === 'rediss:') &&
    url.hostname !== '' &&
    (url.port === '' || Number(url.port) >= 1) &&
    /^(\/\d*)?$/.test(url.pathname)
  );
}

const usage = (pattern: PatternId, jobs = defaultJobs[pattern]) => `usage: node dist/main.js [flags]

Runs the ${pattern} pattern on jobs carried by a Redis Stream, and reports every event.

flags:
  --jobs N              jobs the producer adds, ids 1..N (default ${jobs}; 0 = until signalled)
  --workers N           how many jobs run at once (default 3)
  --work-ms MS          simulated work per job, in each job's payload (default 500)
  --work io|cpu         io sleeps; cpu computes on a pool of worker threads (default io)
  --fail-every K        every K-th job fails on every delivery, 0 = none (default 0)
  --timeout-ms MS       deadline per operation, timeout pattern (default 1000)
  --buffer N            producers wait while the stream holds N jobs (default 2)
  --drain-ms MS         how long a graceful stop waits for in-flight jobs (default 5000)
  --redis-url URL       the server (default $REDIS_URL, else redis://127.0.0.1:6379/0)
  --stream NAME         the jobs stream; group NAME:workers, dead letters NAME:dead
                        (default concur:jobs)
  --role ROLE           producer, worker or both (default both)
  --consumer NAME       this worker's name in the group (default <hostname>-<pid>)
  --claim-idle-ms MS    a job pending this long is claimed from its worker (default 30000)
  --max-deliveries N    after N deliveries a failing job is dead-lettered (default 5)
  --idle-exit-ms MS     a worker exits once the stream has been empty this long, 0 = never
                        (default 0 for worker, 500 for both)
  --json                one JSON event per line instead of text
  -h, --help            show this help
`;

/** A job stopped by its signal: reported as `cancel`, not `fail`. */
class Cancelled extends Error {}

/** Why the jobs still running when the drain time ran out were cancelled. */
class DrainTimeoutError extends Error {
  override name = 'DrainTimeoutError';

  constructor(drainMs: number) {
    super(`in-flight jobs did not finish within ${drainMs} ms of the stop`);
  }
}

/** What a job's producer asks of its worker (the entry's `payload`). */
interface Payload {
  work_ms: number;
  fail: boolean;
}

function isPayload(payload: unknown): payload is Payload {
  const { work_ms: workMs, fail } = (payload ?? {}) as Partial<Payload>;
  return Number.isInteger(workMs) && workMs! >= 0 && workMs! < 2 ** 31 && typeof fail === 'boolean';
}

/**
 * Parses the flags (exits 2 on a bad one, 0 after `--help`); with `--work cpu` for a worker,
 * starts the threads.
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
  if (options.work === 'io' || options.role === 'producer') return new Demo(pattern, options);
  // At most one thread per core: more would compute no faster, and cost megabytes each.
  const threads = new ThreadPool(Math.max(1, Math.min(options.workers, availableParallelism())));
  const starting = threads.start(); // online before the first job, while this thread calibrates
  const cpu = { threads, iterationsPerMs: calibrate() };
  await starting;
  return new Demo(pattern, options, cpu);
}

/** What each event counts in the summary. */
const counted = {
  done: 'completed',
  fail: 'failed',
  cancel: 'cancelled',
  claim: 'claimed',
  dead: 'dead',
  duplicate: 'duplicates',
} as const;
type Fields = { job?: number; worker?: number; [field: string]: unknown };

export class Demo {
  /** The worker of each delivery started and not handed back yet, by entry id. */
  readonly #running = new Map<string, number>();
  readonly #counts = {
    ...{ submitted: 0, completed: 0, failed: 0, timed_out: 0, cancelled: 0 },
    ...{ max_concurrency: 0, claimed: 0, dead: 0, duplicates: 0 },
  };
  #ended = false;
  #adding: number | undefined; // the job this process's producer adds
  // Events not written yet: see `#write`.
  readonly #unwritten: string[] = [];

  constructor(
    readonly pattern: PatternId,
    readonly options: ReturnType<typeof parse>,
    readonly cpu?: { threads: ThreadPool; iterationsPerMs: number },
  ) {
    process.on('exit', this.#write);
  }

  /** The job ids to produce: 1..`--jobs`, or without end for `--jobs 0`. */
  *jobs(): Generator<number, void, undefined> {
    for (let job = 1; this.options.jobs === 0 || job <= this.options.jobs; job++) yield job;
  }

  /** What the producer puts in a job's entry: the work it asks for, and whether it fails. */
  payload(job: number): Payload {
    const { workMs, failEvery } = this.options;
    return { work_ms: workMs, fail: failEvery > 0 && job % failEvery === 0 };
  }

  /**
   * This process's producer is adding `job` to the stream. A worker here may take it before the
   * add returns: the job's first event on that worker then writes its `produce` first.
   */
  adding(job: number): void {
    this.#adding = job;
  }

  /**
   * The add of `job` has ended: `produce` (counted as submitted) once it is in the stream, unless a
   * worker here wrote it already; nothing if the producer stopped first, as it was never submitted.
   */
  produced(job: number, added: boolean): void {
    if (this.#adding !== job) return;
    this.#adding = undefined;
    if (added) this.#produce(job);
  }

  #produce(job: number): void {
    this.#counts.submitted++;
    this.#emit('produce', { job });
  }

  /** The simulated job: the payload's `work_ms` of io or cpu work, then `job * 2` or a failure. */
  readonly handle = async (delivery: Delivery, worker: number, signal: AbortSignal) => {
    const { job, payload, claimedFrom } = delivery;
    if (claimedFrom) this.#emit('claim', { job, worker, from: claimedFrom });
    if (this.pattern === 'producer-consumer') this.#emit('consume', { job, worker });
    this.#running.set(delivery.id, worker);
    this.#counts.max_concurrency = Math.max(this.#counts.max_concurrency, this.#running.size);
    this.#emit('start', { job, worker });
    if (!isPayload(payload)) throw new Error(`job ${job} has a bad payload`);
    try {
      if (this.cpu)
        await this.cpu.threads.run(Math.round(payload.work_ms * this.cpu.iterationsPerMs), signal);
      // A 0 ms timer would wait 1 ms; one turn of the event loop lets signals and output through.
      else if (payload.work_ms === 0) await nextTurn(undefined, { signal });
      else await sleep(payload.work_ms, undefined, { signal });
    } catch (error) {
      throw signal.aborted ? new Cancelled(`job ${job} cancelled`, { cause: error }) : error;
    }
    if (payload.fail) throw new Error(`injected failure in job ${job}`);
    return job * 2;
  };

  /**
   * The component handed back this delivery's outcome: its worker is free from now on. Returns
   * that worker, or `undefined` if the job never started (it is then released).
   */
  handedBack(delivery: Delivery): number | undefined {
    const worker = this.#running.get(delivery.id);
    this.#running.delete(delivery.id);
    return worker;
  }

  /** Whether the job was stopped by its signal, rather than failing on its own. */
  cancelled(outcome: Outcome<Delivery, number>): boolean {
    return !outcome.ok && outcome.error instanceof Cancelled;
  }

  /** The text a failed job's error is recorded with. */
  errorText(outcome: Outcome<Delivery, number>): string {
    return outcome.ok ? '' : String((outcome.error as Error | undefined)?.message ?? outcome.error);
  }

  /**
   * Writes how the job `worker` ran ended: `done` (acknowledged), `duplicate` (another worker
   * had), `fail` (pending, to be retried), `dead` (dead-lettered) or `cancel` (pending, stopped).
   */
  report(
    outcome: Outcome<Delivery, number>,
    worker: number,
    end: 'done' | 'duplicate' | 'fail' | 'dead' | 'cancel',
  ): void {
    const { job, deliveries } = outcome.job;
    const fields: Fields = { job, worker };
    if (end === 'done' && outcome.ok) fields.result = outcome.value;
    if (end === 'fail' || end === 'dead') fields.error = this.errorText(outcome);
    this.#emit(end, fields, deliveries);
  }

  /** An entry the stream dead-lettered by itself: malformed, or abandoned by a dead worker. */
  readonly deadLetter = ({ job, error, claimedFrom }: DeadLetter): void => {
    if (claimedFrom) this.#emit('claim', { job, from: claimedFrom });
    this.#emit('dead', { job, error });
  };

  /**
   * Exits 1 with one line on stderr if `error` is the server's: out of reach at start, or an
   * error reply no retry can help (a key of the wrong type). The jobs this process holds stay
   * pending, for another worker to claim. Any other error is a bug, and thrown with its stack.
   */
  readonly fatal = (error: unknown): never => {
    if (!(error instanceof UnreachableError || error instanceof ErrorReply)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(1);
  };

  /** A worker writes `ready` once its signal listeners are in place and its stream is open. */
  ready(): void {
    this.#emit('ready');
  }

  /** The first SIGINT or SIGTERM; after the summary, it ends the program with 130. */
  stopping(signal: NodeJS.Signals): void {
    if (this.#ended) process.exit(130);
    this.#emit('stopping', { signal });
  }

  /**
   * A signal that aborts `--drain-ms` after `stop` does, with a `DrainTimeoutError`: given to
   * the component, it cancels the jobs still running then. `clear` stops the clock, so that it
   * does not hold the process open once everything is done.
   */
  drainDeadline(stop: AbortSignal): { signal: AbortSignal; clear: () => void } {
    const deadline = new AbortController();
    const over = new AbortController();
    const startClock = () => {
      sleep(this.options.drainMs, undefined, { signal: over.signal }).then(
        () => deadline.abort(new DrainTimeoutError(this.options.drainMs)),
        () => {}, // cleared: everything drained in time
      );
    };
    stop.addEventListener('abort', startClock, { once: true });
    const clear = () => {
      stop.removeEventListener('abort', startClock);
      over.abort();
    };
    return { signal: deadline.signal, clear };
  }

  /**
   * Resolves once `stream` has held no job for `--idle-exit-ms` in a row (never with 0), or
   * `signal` aborts. An entry stays in the stream until it is acknowledged, so an empty stream
   * also means that no worker anywhere holds a job.
   */
  async idle(stream: Stream, signal: AbortSignal): Promise<void> {
    const ms = this.options.idleExitMs;
    if (ms === 0) {
      return new Promise((resolve) =>
        signal.addEventListener('abort', () => resolve(), { once: true }),
      );
    }
    let emptySince: number | undefined;
    while (!signal.aborted) {
      const backlog = await stream.backlog(signal).catch((error: unknown) => {
        if (signal.aborted) return 0; // stopped while the server was out of reach
        throw error;
      });
      if (backlog > 0) emptySince = undefined;
      else if (performance.now() - (emptySince ??= performance.now()) >= ms) return;
      await sleep(Math.min(50, ms), undefined, { signal }).catch(() => {});
    }
  }

  /** Writes the summary and sets the exit code. */
  async end(): Promise<void> {
    await this.cpu?.threads.close();
    this.#emit('summary', { pattern: this.pattern, target: 'typescript', ...this.#counts });
    this.#write();
    this.#ended = true;
    const { failed, cancelled, dead } = this.#counts;
    process.exitCode = failed + cancelled + dead > 0 ? 1 : 0;
  }

  #emit(event: string, { job, worker, ...rest }: Fields = {}, deliveries?: number): void {
    if (job !== undefined && job === this.#adding && event !== 'produce') {
      this.#adding = undefined; // a worker here has it: it is in the stream
      this.#produce(job);
    }
    if (event in counted) this.#counts[counted[event as keyof typeof counted]]++;
    const ms = Math.round((performance.now() - startedAt) * 1000) / 1000;
    // Key order is part of the contract: `stopping` has its signal first, the summary no t_ms.
    const json = () => {
      if (event === 'summary') return { event, ...rest, elapsed_ms: ms };
      return { event, job, worker, ...(event === 'stopping' ? rest : {}), t_ms: ms, ...rest };
    };
    const human: Record<string, () => string> = {
      start: () => `worker ${worker} processing job ${job}`,
      done: () => `job ${job} done: ${rest.result}`,
      fail: () => `job ${job} failed: ${rest.error} (delivery ${deliveries}, to be retried)`,
      cancel: () => `job ${job} cancelled, left pending for another worker`,
      produce: () => `produced ${job}`,
      consume: () => `consumed ${job}`,
      claim: () => `job ${job} claimed from ${rest.from}`,
      dead: () =>
        deliveries === undefined
          ? `job ${job} dead: ${rest.error}`
          : `job ${job} dead after ${deliveries} deliveries: ${rest.error}`,
      duplicate: () => `job ${job} already done by another worker`,
      ready: () => 'ready: press Ctrl-C or send SIGTERM to stop',
      stopping: () =>
        `received ${rest.signal}: stopping intake, draining in-flight jobs (up to ${this.options.drainMs} ms)`,
      summary: () =>
        `summary: ${rest.submitted} submitted, ${rest.completed} completed, ${rest.failed} failed, ` +
        `${rest.cancelled} cancelled, ${rest.claimed} claimed, ${rest.dead} dead, ` +
        `${rest.duplicates} duplicates, max concurrency ${rest.max_concurrency}, ` +
        `${Math.round(ms)} ms (${this.pattern} on typescript, through redis)`,
    };
    this.#unwritten.push(`${this.options.json ? JSON.stringify(json()) : human[event]!()}\n`);
    if (this.#unwritten.length === 1) setImmediate(this.#write);
  }

  /**
   * Writes the events held so far. A write to a pipe or a file is a system call that blocks the
   * thread: one per turn of the event loop, not one per event, lets a worker keep up with its
   * jobs. On exit, whatever is still held goes out before the process ends.
   */
  readonly #write = (): void => {
    if (this.#unwritten.length === 0) return;
    process.stdout.write(this.#unwritten.join(''));
    this.#unwritten.length = 0;
  };
}

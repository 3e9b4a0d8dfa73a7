import { describeError, TimeoutError } from './errors.js';
import type { Work } from './work.js';

export interface Summary {
  submitted: number;
  completed: number;
  failed: number;
  timed_out: number;
  cancelled: number;
  max_concurrency: number;
}

type JobEvent =
  | { event: 'start'; job: number; worker?: number }
  | { event: 'done'; job: number; worker?: number; result: number }
  | { event: 'fail'; job: number; worker?: number; error: string }
  | { event: 'timeout'; job: number; timeoutMs: number }
  | { event: 'cancel'; job: number; worker?: number }
  | { event: 'produce'; job: number }
  | { event: 'consume'; job: number; worker: number };

export type ProgramEvent =
  | JobEvent
  | { event: 'ready' }
  | { event: 'stopping'; signal: string; drainMs: number }
  | ({ event: 'summary'; pattern: string; target: string; elapsedMs: number } & Summary);

/** Writes events as compact JSON lines (`--json`) or as the human lines of the contract. */
export class EventWriter {
  /**
   * `startedAt` is when the program started its run, from `performance.now()`. Not 0: that is
   * when the Node process started, a few hundred ms of booting and loading modules earlier.
   */
  constructor(
    readonly json: boolean,
    readonly startedAt: number = performance.now(),
  ) {}

  /** Milliseconds since `startedAt`, from a monotonic clock. */
  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  /** Writes one line to stdout, stamped with the time since the program started. */
  emit(event: ProgramEvent): void {
    const t_ms = Math.round(this.elapsedMs() * 1000) / 1000;
    const line = this.json ? JSON.stringify(toJson(event, t_ms)) : toHuman(event);
    process.stdout.write(`${line}\n`);
  }
}

// Key order is part of the contract: event, job, worker, t_ms, then the event's own fields.
function toJson(event: ProgramEvent, t_ms: number): object {
  switch (event.event) {
    case 'start':
    case 'cancel':
    case 'consume':
      return { event: event.event, job: event.job, worker: event.worker, t_ms };
    case 'done':
      return { event: 'done', job: event.job, worker: event.worker, t_ms, result: event.result };
    case 'fail':
      return { event: 'fail', job: event.job, worker: event.worker, t_ms, error: event.error };
    case 'timeout':
    case 'produce':
      return { event: event.event, job: event.job, t_ms };
    case 'ready':
      return { event: 'ready', t_ms };
    case 'stopping':
      return { event: 'stopping', signal: event.signal, t_ms };
    case 'summary': {
      const { event: name, pattern, target, elapsedMs, ...counts } = event;
      return {
        event: name,
        pattern,
        target,
        submitted: counts.submitted,
        completed: counts.completed,
        failed: counts.failed,
        timed_out: counts.timed_out,
        cancelled: counts.cancelled,
        max_concurrency: counts.max_concurrency,
        elapsed_ms: Math.round(elapsedMs * 1000) / 1000,
      };
    }
  }
}

function toHuman(event: ProgramEvent): string {
  switch (event.event) {
    case 'start':
      return event.worker === undefined
        ? `job ${event.job} started`
        : `worker ${event.worker} processing job ${event.job}`;
    case 'done':
      return `job ${event.job} done: ${event.result}`;
    case 'fail':
      return `job ${event.job} failed: ${event.error}`;
    case 'timeout':
      return `job ${event.job}: request timed out after ${event.timeoutMs} ms`;
    case 'cancel':
      return `job ${event.job} cancelled`;
    case 'produce':
      return `produced ${event.job}`;
    case 'consume':
      return `consumed ${event.job}`;
    case 'ready':
      return 'ready: press Ctrl-C or send SIGTERM to stop';
    case 'stopping':
      return (
        `received ${event.signal}: stopping intake, ` +
        `draining in-flight jobs (up to ${event.drainMs} ms)`
      );
    case 'summary':
      return (
        `summary: ${event.submitted} submitted, ${event.completed} completed, ` +
        `${event.failed} failed, ${event.timed_out} timed out, ${event.cancelled} cancelled, ` +
        `max concurrency ${event.max_concurrency}, ${Math.round(event.elapsedMs)} ms ` +
        `(${event.pattern} on ${event.target})`
      );
  }
}

type JobState = 'submitted' | 'running';

/**
 * Follows every job from submission to its one terminal event (done, fail, timeout, cancel),
 * writes its events, and counts what the summary reports. A job that would get a second
 * terminal event, or any event after it, is a bug in the pattern: it throws. Only the jobs not
 * yet ended are remembered, so an endless service holds memory for the jobs in flight alone.
 */
export class Jobs {
  readonly #live = new Map<number, JobState>();
  readonly #summary: Summary = {
    submitted: 0,
    completed: 0,
    failed: 0,
    timed_out: 0,
    cancelled: 0,
    max_concurrency: 0,
  };
  #running = 0;

  constructor(
    readonly events: EventWriter,
    readonly work: Work,
  ) {}

  /** Hands `job` to the pattern: from now on it must reach a terminal event. */
  submit(job: number): void {
    if (this.#live.has(job)) throw new Error(`job ${job} was submitted twice`);
    this.#live.set(job, 'submitted');
    this.#summary.submitted++;
  }

  /** Submits the jobs 1..count and returns their ids. */
  submitAll(count: number): number[] {
    const jobs = Array.from({ length: count }, (_, index) => index + 1);
    jobs.forEach((job) => this.submit(job));
    return jobs;
  }

  /** A producer is about to offer `job` to a buffer. */
  produce(job: number): void {
    this.submit(job);
    this.events.emit({ event: 'produce', job });
  }

  /** A consumer took `job` out of a buffer. */
  consume(job: number, worker: number): void {
    this.#expect(job, 'submitted');
    this.events.emit({ event: 'consume', job, worker });
  }

  /**
   * Runs a submitted job: `start`, then `work` (the simulated work by default), then exactly one
   * of `done`, `fail`, `timeout` or `cancel`. Never rejects: the outcome is reported, not thrown.
   */
  async run(
    job: number,
    { worker, signal }: { worker?: number; signal: AbortSignal },
    work: Work = this.work,
  ): Promise<void> {
    this.#expect(job, 'submitted');
    this.#live.set(job, 'running');
    this.#running++;
    this.#summary.max_concurrency = Math.max(this.#summary.max_concurrency, this.#running);
    this.events.emit({ event: 'start', job, worker });
    try {
      const result = await work(job, signal);
      this.#end(job, 'completed', { event: 'done', job, worker, result });
    } catch (error) {
      if (error instanceof TimeoutError) {
        this.#end(job, 'timed_out', { event: 'timeout', job, timeoutMs: error.timeoutMs });
      } else if (signal.aborted) {
        this.#end(job, 'cancelled', { event: 'cancel', job, worker });
      } else {
        this.#end(job, 'failed', { event: 'fail', job, worker, error: describeError(error) });
      }
    }
  }

  /** Cancels every submitted job that never started, and returns the counts for the summary. */
  finish(): Summary {
    for (const [job, state] of this.#live) {
      if (state === 'running') throw new Error(`job ${job} is still running`);
      if (state === 'submitted') this.#end(job, 'cancelled', { event: 'cancel', job });
    }
    return { ...this.#summary };
  }

  #end(
    job: number,
    outcome: Exclude<keyof Summary, 'submitted' | 'max_concurrency'>,
    event: JobEvent,
  ) {
    if (this.#live.get(job) === 'running') this.#running--;
    this.#live.delete(job);
    this.#summary[outcome]++;
    this.events.emit(event);
  }

  #expect(job: number, state: JobState): void {
    const actual = this.#live.get(job);
    if (actual !== state)
      throw new Error(`job ${job} is ${actual ?? 'ended or unknown'}, expected ${state}`);
  }
}

// The invariants of SPEC §3 and docs/program-contract.md, checked on every
// run of every scenario. Scenario-specific expectations live in
// expectations.ts; this file only knows the contract.
import {
  COUNTER_OF_TERMINAL,
  eventsOfPattern,
  type Pattern,
  type RunOptions,
  concurrencyLimit,
  eventsCrossProcesses,
  isTerminal,
} from './contract.js';
import {
  type Summary,
  type TraceEvent,
  checkEventFields,
  parseHumanTrace,
  parseJsonTrace,
  splitLines,
} from './trace.js';

export interface RunToCheck {
  stdout: string;
  pattern: Pattern;
  target: string;
  options: RunOptions;
  /** null when the process was killed by a signal instead of exiting. */
  exitCode: number | null;
  /** The signal that killed it, if one did. */
  killedBy?: string | null;
  /** Signals actually delivered to the program while it ran. */
  signalsDelivered: number;
  /**
   * After a second signal the program exits at once and may leave jobs
   * without a terminal event and write no summary.
   */
  allowIncomplete?: boolean;
  /**
   * How far a `start` or `consume` line's t_ms may go back from an earlier
   * line's, for a target that writes them when it learns of them, with the
   * time they happened (DEFAULT_CLOCK_TOLERANCE_MS when absent). Every
   * other line gets the default: events are written by several threads, and
   * a timestamp taken just before a thread lost the CPU may be printed after
   * a later one.
   */
  clockToleranceMs?: number;
}

export interface CheckedTrace {
  problems: string[];
  events: TraceEvent[];
  summary?: Summary;
  /** Most jobs between start and terminal at once, as seen from outside. */
  observedMaxConcurrency: number;
}

interface JobState {
  produced?: number;
  consumed?: number;
  started?: number;
  worker?: number;
  terminal?: TraceEvent;
}

export const DEFAULT_CLOCK_TOLERANCE_MS = 50;

export function checkTrace(run: RunToCheck): CheckedTrace {
  const { pattern, options } = run;
  const { lines, problems } = splitLines(run.stdout);
  const parsed = options.json ? parseJsonTrace(lines, pattern) : parseHumanTrace(lines, options);
  problems.push(...parsed.problems);
  const { events } = parsed;

  const summary = checkSummaryPlacement(parsed.summaries, lines.length, run, problems);
  const allowed = eventsOfPattern(pattern);
  for (const event of events) {
    if (!allowed.includes(event.event))
      problems.push(`line ${event.line}: ${pattern} does not write "${event.event}" events`);
  }
  checkEventFields(events, options, problems);
  if (options.json) checkClock(events, summary, run.clockToleranceMs ?? DEFAULT_CLOCK_TOLERANCE_MS, problems);
  const { jobs, observedMaxConcurrency } = checkLifecycles(events, run, problems);
  if (pattern === 'graceful-stop') checkGracefulStop(events, run, problems);

  const incomplete = summary === undefined && run.allowIncomplete === true;
  if (!incomplete) {
    const open = [...jobs].filter(([, state]) => state.terminal === undefined).map(([job]) => job);
    if (open.length > 0) problems.push(`jobs that never ended (no done, fail, timeout or cancel): ${abbreviate(open)}`);
  }
  if (summary) checkSummary(summary, jobs, observedMaxConcurrency, run, problems);
  if (observedMaxConcurrency > concurrencyLimit(pattern, options)) {
    problems.push(
      `concurrency reached ${observedMaxConcurrency}, above the limit ${concurrencyLimit(pattern, options)}`,
    );
  }
  checkExitCode(summary, run, problems);
  return { problems, events, summary, observedMaxConcurrency };
}

function checkSummaryPlacement(
  summaries: Summary[],
  lineCount: number,
  run: RunToCheck,
  problems: string[],
): Summary | undefined {
  if (summaries.length > 1) problems.push(`${summaries.length} summary lines, expected one`);
  const summary = summaries.at(-1);
  if (summary === undefined) {
    if (!run.allowIncomplete) problems.push('no summary line');
    return undefined;
  }
  if (summary.line !== lineCount)
    problems.push(`the summary is line ${summary.line}, not the last line (${lineCount})`);
  if (summary.pattern !== run.pattern) problems.push(`summary pattern "${summary.pattern}", expected "${run.pattern}"`);
  if (summary.target !== run.target) problems.push(`summary target "${summary.target}", expected "${run.target}"`);
  return summary;
}

function checkClock(
  events: readonly TraceEvent[],
  summary: Summary | undefined,
  backdatedToleranceMs: number,
  problems: string[],
) {
  let latest: TraceEvent | undefined;
  for (const event of events) {
    if (event.tMs === undefined) continue;
    const backdated = event.event === 'start' || event.event === 'consume';
    const toleranceMs = backdated
      ? Math.max(backdatedToleranceMs, DEFAULT_CLOCK_TOLERANCE_MS)
      : DEFAULT_CLOCK_TOLERANCE_MS;
    if (latest?.tMs !== undefined && event.tMs < latest.tMs - toleranceMs) {
      problems.push(
        `line ${event.line}: t_ms ${event.tMs} goes back more than ${toleranceMs} ms from line ${latest.line} (${latest.tMs})`,
      );
    }
    if (latest?.tMs === undefined || event.tMs > latest.tMs) latest = event;
  }
  if (summary && latest?.tMs !== undefined && summary.elapsed_ms < latest.tMs - DEFAULT_CLOCK_TOLERANCE_MS) {
    problems.push(`summary elapsed_ms ${summary.elapsed_ms} is before the last event's t_ms ${latest.tMs}`);
  }
}

/**
 * Walks the events in the order they were written and checks each job's
 * life: at most one terminal event and nothing after it, and for
 * producer-consumer produce < consume < start < terminal. Also measures
 * concurrency and, for producer-consumer, the buffer bound.
 */
function checkLifecycles(events: readonly TraceEvent[], run: RunToCheck, problems: string[]) {
  const { pattern, options } = run;
  const jobs = new Map<number, JobState>();
  const busyWorkers = new Map<number, number>();
  const knownJobCount = pattern !== 'graceful-stop' || options.jobs > 0 ? options.jobs : Infinity;
  let inFlight = 0;
  let observedMaxConcurrency = 0;
  // Producer-consumer backpressure as seen from outside. The producer writes
  // `produce` just before it offers an item, and a consumer writes `consume`
  // just after it took one, so at any prefix of the output the items
  // produced but not yet consumed are at most: `buffer` in the buffer, one
  // announced by the producer and waiting to get in, and one per consumer
  // taken but not yet announced. An unbounded queue breaks this at once.
  //
  // Where consumers are processes (python-multiprocessing), a `consume`
  // reaches the output through a pipe, so a consumer may take its next items
  // before its previous `consume` is written. How far it gets ahead depends
  // on the load, not on the program: there the bound is doubled, which an
  // unbounded queue still breaks, and with no work at all it is not checked.
  const relayed = eventsCrossProcesses(run.target);
  const bufferBound = (options.buffer + options.workers + 1) * (relayed ? 2 : 1);
  const checkBuffer = !(relayed && options.workMs === 0);
  let outstanding = 0;
  let reportedBuffer = false;

  for (const event of events) {
    if (event.job === undefined) continue;
    const job = event.job;
    const where = `line ${event.line}: job ${job}`;
    if (job > knownJobCount) problems.push(`${where}: id above --jobs ${options.jobs}`);
    let state = jobs.get(job);
    if (state === undefined) {
      state = {};
      jobs.set(job, state);
    }
    if (state.terminal) {
      problems.push(
        `${where}: "${event.event}" after its terminal "${state.terminal.event}" (line ${state.terminal.line})`,
      );
      continue;
    }
    switch (event.event) {
      case 'produce':
        if (state.produced !== undefined || state.consumed !== undefined || state.started !== undefined) {
          problems.push(`${where}: produce must be its first event and happen once`);
        }
        state.produced = event.line;
        outstanding++;
        if (checkBuffer && outstanding > bufferBound && !reportedBuffer) {
          problems.push(
            `${where}: ${outstanding} items produced and not consumed, above the bound ${bufferBound} for buffer ${options.buffer} and ${options.workers} workers`,
          );
          reportedBuffer = true;
        }
        break;
      case 'consume':
        if (state.produced === undefined) problems.push(`${where}: consume before produce`);
        if (state.consumed !== undefined) problems.push(`${where}: consumed twice`);
        if (state.started !== undefined) problems.push(`${where}: consume after start`);
        state.consumed = event.line;
        state.worker = event.worker;
        outstanding--;
        break;
      case 'start':
        if (state.started !== undefined) {
          problems.push(`${where}: started twice`);
          break;
        }
        if (pattern === 'producer-consumer' && state.consumed === undefined)
          problems.push(`${where}: start before consume`);
        if (state.worker !== undefined && event.worker !== undefined && event.worker !== state.worker) {
          problems.push(`${where}: consumed by worker ${state.worker} but started by worker ${event.worker}`);
        }
        if (event.worker !== undefined) {
          const busyWith = busyWorkers.get(event.worker);
          if (busyWith !== undefined)
            problems.push(`${where}: worker ${event.worker} starts it while still on job ${busyWith}`);
          busyWorkers.set(event.worker, job);
        }
        state.started = event.line;
        state.worker = event.worker;
        inFlight++;
        observedMaxConcurrency = Math.max(observedMaxConcurrency, inFlight);
        break;
      default:
        if (!isTerminal(event.event)) break;
        if (event.event !== 'cancel' && state.started === undefined)
          problems.push(`${where}: "${event.event}" without start`);
        if (pattern === 'producer-consumer' && state.produced === undefined)
          problems.push(`${where}: "${event.event}" before produce`);
        if (event.worker !== undefined && state.worker !== undefined && event.worker !== state.worker) {
          problems.push(
            `${where}: handled by worker ${state.worker} but "${event.event}" names worker ${event.worker}`,
          );
        }
        if (state.started !== undefined) {
          inFlight--;
          if (state.worker !== undefined) busyWorkers.delete(state.worker);
        }
        if (state.produced !== undefined && state.consumed === undefined) outstanding--;
        state.terminal = event;
    }
  }
  return { jobs, observedMaxConcurrency };
}

function checkGracefulStop(events: readonly TraceEvent[], run: RunToCheck, problems: string[]): void {
  const ready = events.filter((event) => event.event === 'ready');
  if (ready.length !== 1) problems.push(`${ready.length} "ready" events, expected exactly one`);
  const firstStart = events.find((event) => event.event === 'start');
  if (ready[0] && firstStart && firstStart.line < ready[0].line)
    problems.push(`line ${firstStart.line}: a job starts before "ready"`);
  const stopping = events.filter((event) => event.event === 'stopping');
  if (stopping.length > 1) problems.push(`${stopping.length} "stopping" events, expected at most one`);
  const stop = stopping[0];
  // A worker that took a job just as the signal arrived may write its start
  // after "stopping"; one per worker at most. More means intake went on.
  const lateStarts = stop ? events.filter((event) => event.event === 'start' && event.line > stop.line).length : 0;
  if (lateStarts > run.options.workers) {
    problems.push(`${lateStarts} jobs started after "stopping": intake did not stop`);
  }
  for (const event of events) {
    if (event.event === 'cancel' && (stop === undefined || event.line < stop.line)) {
      problems.push(`line ${event.line}: job ${event.job} cancelled before any "stopping"`);
    }
  }
}

function checkSummary(
  summary: Summary,
  jobs: Map<number, JobState>,
  observedMaxConcurrency: number,
  run: RunToCheck,
  problems: string[],
): void {
  const { pattern, options } = run;
  const accounted = summary.completed + summary.failed + summary.timed_out + summary.cancelled;
  if (summary.submitted !== accounted) {
    problems.push(
      `summary: submitted ${summary.submitted} ≠ completed ${summary.completed} + failed ${summary.failed} + timed_out ${summary.timed_out} + cancelled ${summary.cancelled}`,
    );
  }
  const counted = { completed: 0, failed: 0, timed_out: 0, cancelled: 0 };
  for (const state of jobs.values()) {
    if (state.terminal && isTerminal(state.terminal.event)) counted[COUNTER_OF_TERMINAL[state.terminal.event]]++;
  }
  for (const [counter, count] of Object.entries(counted) as [keyof typeof counted, number][]) {
    if (summary[counter] !== count) problems.push(`summary: ${counter} ${summary[counter]}, but ${count} such events`);
  }
  if (pattern === 'fan-out' || pattern === 'worker-pool' || pattern === 'timeout') {
    if (summary.submitted !== options.jobs)
      problems.push(`summary: submitted ${summary.submitted}, expected --jobs ${options.jobs}`);
  } else if (options.jobs > 0 && summary.submitted > options.jobs) {
    problems.push(`summary: submitted ${summary.submitted}, above --jobs ${options.jobs}`);
  }
  // Job ids are 1..N in submission order, so the jobs that ended are exactly 1..submitted.
  const missing: number[] = [];
  for (let job = 1; job <= summary.submitted; job++) if (!jobs.get(job)?.terminal) missing.push(job);
  if (missing.length > 0) problems.push(`jobs without a terminal event: ${abbreviate(missing)}`);
  const extra = [...jobs.keys()].filter((job) => job > summary.submitted).sort((a, b) => a - b);
  if (extra.length > 0) problems.push(`events for jobs beyond submitted ${summary.submitted}: ${abbreviate(extra)}`);
  if (summary.max_concurrency !== observedMaxConcurrency) {
    problems.push(`summary: max_concurrency ${summary.max_concurrency}, but the events show ${observedMaxConcurrency}`);
  }
}

function abbreviate(jobs: number[]): string {
  return jobs.length > 10 ? `${jobs.slice(0, 10).join(', ')} … (${jobs.length} in all)` : jobs.join(', ');
}

/** The exit code the contract requires for what happened in the run. */
export function expectedExitCode(run: RunToCheck, summary: Summary | undefined): number | undefined {
  if (run.signalsDelivered >= 2) return 130;
  if (run.signalsDelivered === 1 && run.pattern !== 'graceful-stop') return 130;
  if (summary === undefined) return undefined;
  return summary.failed + summary.cancelled > 0 ? 1 : 0;
}

function checkExitCode(summary: Summary | undefined, run: RunToCheck, problems: string[]): void {
  if (run.exitCode === null) {
    // A shell shows death by SIGINT as 130 too, but the contract asks for
    // an exit code, the same in every target. The usual cause: a handler
    // removed (or never installed) while the program was still running.
    problems.push(`killed by ${run.killedBy ?? 'a signal'} instead of exiting (no handler for it at that moment?)`);
    return;
  }
  const expected = expectedExitCode(run, summary);
  if (expected !== undefined && run.exitCode !== expected) {
    problems.push(`exit code ${run.exitCode}, the contract requires ${expected} for this run`);
  }
}

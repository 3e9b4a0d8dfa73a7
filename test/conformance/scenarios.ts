// Scenario files (fixtures/scenarios/*.json) and the expectations they state
// on top of the invariants that checker.ts applies to every run.
import fs from 'node:fs';
import path from 'node:path';
import { PATTERNS, type Pattern, type RunOptions, SUMMARY_COUNTERS } from './contract.js';
import { evaluate } from './expression.js';
import type { Action } from './runner.js';
import type { Summary, TraceEvent } from './trace.js';

/** A number, or an expression over the run's options (see expression.ts). */
export type Value = number | string;
export interface Bounds {
  min?: Value;
  max?: Value;
}
/** Exactly a value, or within bounds. */
export type Expected = Value | Bounds;

export interface Scenario {
  name: string;
  description: string;
  patterns: Pattern[];
  /** Flags after the subject's command. `--json` among them selects JSON mode. */
  args: string[];
  actions?: Action[];
  /** The program is killed (and the scenario fails) if still running after this. */
  hardTimeoutMs: number;
  /** Run with no other scenario of the same subject (CPU-heavy or CPU-measuring). */
  exclusive?: boolean;
  expect: Expectations;
}

export interface Expectations {
  exitCode?: number | number[];
  /** Summary fields, e.g. {"submitted": "jobs", "failed": 0, "elapsed_ms": {"max": "timeoutMs + 600"}}. */
  summary?: Partial<Record<(typeof SUMMARY_COUNTERS)[number] | 'elapsed_ms', Expected>>;
  /** How many events of a kind (optionally with given field values) were written. */
  events?: { event: string; where?: Record<string, string | number>; count: Expected }[];
  /** From spawn to exit, measured from outside (includes interpreter start-up). */
  wallMs?: Bounds;
  /** From the last signal sent to the exit. */
  exitAfterLastSignalMs?: Bounds;
  /**
   * t_ms from a job's start to its terminal event, for every job ending in `terminal`. A deadline
   * begins just before the handler writes "start", so a process descheduled between the two (tens
   * of ms on a loaded machine) shows a timeout that much early: a lower bound needs that slack.
   */
  jobDurations?: ({ terminal: string } & Bounds)[];
  /**
   * t_ms from the first `from` event to every `to` event; `to: "summary"`
   * means the summary's elapsed_ms. Unlike elapsed_ms alone, this leaves
   * out the interpreter's start-up, which a loaded machine stretches.
   */
  gaps?: ({ from: string; to: string } & Bounds)[];
  /** CPU time of the whole process group (Linux only). */
  cpuMs?: Bounds;
  /** The most resident memory the whole process group held at once, in MB (Linux only). */
  peakRssMb?: Bounds;
  /**
   * How many jobs got `start` after the first signal: counted from the point
   * of the output the runner had read when it sent the signal (see
   * `startsAfterSignal`), never from t_ms, whose clock starts elsewhere.
   */
  startsAfterSignal?: Bounds;
  /** A second signal may cut the run short: no summary, jobs left open. */
  allowIncomplete?: boolean;
}

export interface BadInvocation {
  name: string;
  args: string[];
}

export interface BadFlagsFile {
  description: string;
  usageErrors: BadInvocation[];
  help: BadInvocation[];
}

const FIXTURES = path.join(import.meta.dirname, '..', '..', 'fixtures');

export function loadScenarios(directory = path.join(FIXTURES, 'scenarios')): Scenario[] {
  return fs
    .readdirSync(directory)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .flatMap((file) => {
      const scenarios = JSON.parse(fs.readFileSync(path.join(directory, file), 'utf8')) as Scenario[];
      return scenarios;
    });
}

export function scenariosFor(pattern: string, scenarios = loadScenarios()): Scenario[] {
  return scenarios.filter((scenario) => (scenario.patterns as string[]).includes(pattern));
}

export function loadBadFlags(file = path.join(FIXTURES, 'bad-flags.json')): BadFlagsFile {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as BadFlagsFile;
}

/** Problems in a scenario definition itself (checked by scenarios.test.ts). */
export function validateScenario(scenario: Scenario, options: (pattern: Pattern) => RunOptions): string[] {
  const problems: string[] = [];
  if (!/^[a-z0-9-]+$/.test(scenario.name ?? '')) problems.push('name must be kebab-case');
  if (!scenario.description) problems.push('description is missing');
  if (!Array.isArray(scenario.patterns) || scenario.patterns.length === 0) problems.push('patterns is empty');
  for (const pattern of scenario.patterns ?? []) {
    if (!(PATTERNS as readonly string[]).includes(pattern)) problems.push(`unknown pattern ${pattern}`);
  }
  if (!(scenario.hardTimeoutMs > 0)) problems.push('hardTimeoutMs must be > 0');
  const human = !scenario.args.includes('--json');
  const { expect } = scenario;
  if (human && (expect.jobDurations || expect.gaps))
    problems.push('human output has no t_ms: jobDurations and gaps need --json');
  for (const pattern of scenario.patterns ?? []) {
    let bindings: RunOptions;
    try {
      bindings = options(pattern);
    } catch (error) {
      problems.push(`${pattern}: ${(error as Error).message}`);
      continue;
    }
    const values: Value[] = [];
    const collect = (expected: Expected | undefined) => {
      if (expected === undefined) return;
      if (typeof expected === 'object') values.push(...[expected.min, expected.max].filter((v) => v !== undefined));
      else values.push(expected);
    };
    Object.values(expect.summary ?? {}).forEach(collect);
    expect.events?.forEach((event) => collect(event.count));
    [
      expect.wallMs,
      expect.exitAfterLastSignalMs,
      expect.cpuMs,
      expect.peakRssMb,
      expect.startsAfterSignal,
      ...(expect.jobDurations ?? []),
      ...(expect.gaps ?? []),
    ].forEach(collect);
    for (const value of values) {
      try {
        evaluate(value, bindings);
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
  }
  if (expect.startsAfterSignal) {
    if (!scenario.args.includes('--json')) problems.push('startsAfterSignal needs --json');
    if (!scenario.actions?.some((action) => 'signal' in action)) problems.push('startsAfterSignal needs a signal');
    if (expect.startsAfterSignal.max === undefined) problems.push('startsAfterSignal needs a max');
  }
  const measuresMemory =
    expect.peakRssMb !== undefined || (scenario.actions ?? []).some((action) => 'measureRssGrowth' in action);
  if (measuresMemory && !scenario.exclusive) problems.push('a scenario that measures memory must be exclusive');
  for (const action of scenario.actions ?? []) {
    if ('signal' in action && !['SIGTERM', 'SIGINT'].includes(action.signal)) problems.push(`signal ${action.signal}`);
    if ('signal' in action && !['process', 'group'].includes(action.to)) problems.push(`signal target ${action.to}`);
  }
  return problems;
}

function describeExpected(expected: Expected, options: RunOptions): string {
  if (typeof expected !== 'object')
    return `${evaluate(expected, options)}${typeof expected === 'string' ? ` (${expected})` : ''}`;
  const parts = [];
  if (expected.min !== undefined) parts.push(`≥ ${evaluate(expected.min, options)}`);
  if (expected.max !== undefined) parts.push(`≤ ${evaluate(expected.max, options)}`);
  return parts.join(' and ');
}

function matches(actual: number, expected: Expected, options: RunOptions): boolean {
  if (typeof expected !== 'object') return actual === evaluate(expected, options);
  if (expected.min !== undefined && actual < evaluate(expected.min, options)) return false;
  if (expected.max !== undefined && actual > evaluate(expected.max, options)) return false;
  return true;
}

export interface ObservedRun {
  options: RunOptions;
  exitCode: number | null;
  events: TraceEvent[];
  summary?: Summary;
  wallMs: number;
  lastSignalAtMs?: number;
  /** Complete stdout lines the runner had read when it sent the first signal. */
  linesBeforeFirstSignal?: number;
  cpuMs?: number;
  peakRssMb?: number;
}

/** The scenario's own expectations; the invariants are checked separately. */
export function checkExpectations(expect: Expectations, run: ObservedRun): string[] {
  const { options } = run;
  const problems: string[] = [];
  const check = (what: string, actual: number, expected: Expected) => {
    if (!matches(actual, expected, options))
      problems.push(`${what} is ${round(actual)}, expected ${describeExpected(expected, options)}`);
  };

  if (expect.exitCode !== undefined) {
    const allowed = Array.isArray(expect.exitCode) ? expect.exitCode : [expect.exitCode];
    if (run.exitCode === null || !allowed.includes(run.exitCode)) {
      problems.push(`exit code ${run.exitCode}, expected ${allowed.join(' or ')}`);
    }
  }
  if (expect.summary) {
    if (run.summary === undefined) problems.push('no summary to check');
    else
      for (const [field, expected] of Object.entries(expect.summary)) {
        check(`summary ${field}`, run.summary[field as keyof Summary] as number, expected);
      }
  }
  for (const { event, where, count } of expect.events ?? []) {
    const actual = run.events.filter(
      (candidate) =>
        candidate.event === event &&
        Object.entries(where ?? {}).every(([field, value]) => candidate[field as keyof TraceEvent] === value),
    ).length;
    check(`number of "${event}" events${where ? ` with ${JSON.stringify(where)}` : ''}`, actual, count);
  }
  if (expect.wallMs) check('wall time (ms, spawn to exit)', run.wallMs, expect.wallMs);
  if (expect.exitAfterLastSignalMs) {
    if (run.lastSignalAtMs === undefined) problems.push('no signal was delivered');
    else check('time from the last signal to exit (ms)', run.wallMs - run.lastSignalAtMs, expect.exitAfterLastSignalMs);
  }
  for (const { terminal, ...bounds } of expect.jobDurations ?? []) {
    for (const end of run.events.filter((event) => event.event === terminal)) {
      const start = run.events.find((event) => event.event === 'start' && event.job === end.job);
      if (start?.tMs === undefined || end.tMs === undefined)
        problems.push(`job ${end.job}: no start time for its "${terminal}"`);
      else check(`job ${end.job} start → ${terminal} (ms)`, end.tMs - start.tMs, bounds);
    }
  }
  for (const { from, to, ...bounds } of expect.gaps ?? []) {
    const origin = run.events.find((event) => event.event === from);
    if (origin?.tMs === undefined) {
      problems.push(`no "${from}" event to measure from`);
      continue;
    }
    if (to === 'summary') {
      if (run.summary === undefined) problems.push('no summary to measure to');
      else check(`"${from}" → summary (ms)`, run.summary.elapsed_ms - origin.tMs, bounds);
      continue;
    }
    for (const event of run.events.filter((candidate) => candidate.event === to)) {
      check(`"${from}" → "${to}" of job ${event.job} (ms)`, (event.tMs ?? NaN) - origin.tMs, bounds);
    }
  }
  if (expect.cpuMs && run.cpuMs !== undefined) check('CPU time of the process group (ms)', run.cpuMs, expect.cpuMs);
  if (expect.peakRssMb && run.peakRssMb !== undefined)
    check('peak resident memory of the process group (MB)', run.peakRssMb, expect.peakRssMb);
  if (expect.startsAfterSignal) problems.push(...checkStartsAfterSignal(expect.startsAfterSignal, run));
  return problems;
}

/**
 * SPEC §3: on the first signal, jobs that had not started get `cancel`
 * without ever getting `start`; a worker that was taking a job just then
 * may still start it (so scenarios allow one per worker).
 *
 * The signal's place in the output is the number of lines the runner had
 * read when it sent the signal: those were written before it. A line still
 * in the pipe at that moment counts as after, so scenarios send the signal
 * while the program is quiet (every worker busy on long work), where that
 * cannot happen. The t_ms of the events cannot place the signal: they count
 * from the program's own start, which the runner does not see.
 *
 * The check must be able to fail: if no more jobs were waiting to start
 * than the bound allows, the scenario proves nothing and says so.
 */
export function checkStartsAfterSignal(bounds: Bounds, run: ObservedRun): string[] {
  const { options } = run;
  const cut = run.linesBeforeFirstSignal;
  if (cut === undefined) return ['no signal was delivered, so no start can be placed after it'];
  const starts = run.events.filter((event) => event.event === 'start');
  const startedBefore = starts.filter((event) => event.line <= cut).length;
  const startedAfter = starts.filter((event) => event.line > cut);
  const problems: string[] = [];
  // graceful-stop's endless source (--jobs 0) always has a next job.
  const waiting = options.jobs === 0 ? Infinity : options.jobs - startedBefore;
  const allowed = bounds.max === undefined ? Infinity : evaluate(bounds.max, options);
  if (waiting <= allowed) {
    problems.push(
      `only ${waiting} jobs were waiting to start when the signal was sent, not more than the ${allowed} starts allowed after it: the scenario cannot catch a stop that starts new work`,
    );
  }
  if (!matches(startedAfter.length, bounds, options)) {
    const jobs = startedAfter.map((event) => event.job);
    problems.push(
      `${startedAfter.length} jobs started after the first signal (line ${cut} had been read when it was sent), expected ${describeExpected(bounds, options)}: ${jobs.length > 10 ? `${jobs.slice(0, 10).join(', ')} …` : jobs.join(', ')}`,
    );
  }
  return problems;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

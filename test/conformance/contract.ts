// The parts of docs/program-contract.md that the suite needs as data:
// flag defaults, which events each pattern may write, the key order of each
// event, and the human line formats.

import os from 'node:os';
// The patterns, targets and per-pattern traits come from the scaffolder's
// catalogue, so that the suite judges exactly what the scaffolder offers.
import { findPattern, findTarget, patterns, targets } from '../../src/catalogue.js';
import { programTraits, type ProgramTraits } from '../program-traits.js';

export const PATTERNS: readonly string[] = patterns.map((pattern) => pattern.id);
export const TARGETS: readonly string[] = targets.map((target) => target.id);

/** A pattern id of the catalogue. */
export type Pattern = string;

function traits(pattern: Pattern): ProgramTraits {
  const entry = findPattern(pattern);
  if (!entry || entry.id !== pattern) throw new Error(`unknown pattern "${pattern}"`);
  return programTraits[entry.id]!;
}

/** The effective value of every flag for one run, after defaults, and the machine it runs on. */
export interface RunOptions {
  jobs: number;
  workers: number;
  workMs: number;
  work: 'io' | 'cpu';
  failEvery: number;
  timeoutMs: number;
  buffer: number;
  drainMs: number;
  json: boolean;
  /**
   * The cores the program may use (`os.availableParallelism()`), for bounds
   * that grow with them: a CPU pool runs a thread or process per core.
   */
  cores: number;
}

const NUMERIC_FLAGS: Record<string, keyof RunOptions> = {
  '--jobs': 'jobs',
  '--workers': 'workers',
  '--work-ms': 'workMs',
  '--fail-every': 'failEvery',
  '--timeout-ms': 'timeoutMs',
  '--buffer': 'buffer',
  '--drain-ms': 'drainMs',
};

export function isPattern(value: string): value is Pattern {
  return PATTERNS.includes(value);
}

/**
 * Applies the contract's defaults to a (valid) command line, so that
 * expectations can be written in terms of the values the program runs with.
 */
export function effectiveOptions(pattern: Pattern, target: string, args: readonly string[]): RunOptions {
  const { defaultJobs, defaultWorkMs } = traits(pattern);
  const options: RunOptions = {
    jobs: defaultJobs,
    workMs: defaultWorkMs,
    workers: 3,
    work: findTarget(target)?.defaultWork ?? 'io',
    failEvery: 0,
    timeoutMs: 1000,
    buffer: 2,
    drainMs: 5000,
    json: false,
    cores: os.availableParallelism(),
  };
  const tokens = args[Symbol.iterator]();
  for (const arg of tokens) {
    const [flag, inlineValue] = splitFlag(arg);
    if (flag === '--json') {
      options.json = true;
      continue;
    }
    const value = inlineValue ?? tokens.next().value;
    if (flag === '--work') {
      if (value !== 'io' && value !== 'cpu') throw new Error(`--work must be io or cpu, not ${value}`);
      options.work = value;
      continue;
    }
    const key = Object.hasOwn(NUMERIC_FLAGS, flag) ? NUMERIC_FLAGS[flag] : undefined;
    if (key === undefined) throw new Error(`not a flag of the contract: ${arg}`);
    if (value === undefined || !/^\d+$/.test(value))
      throw new Error(`${flag} needs a non-negative integer, not ${value}`);
    (options[key] as number) = Number(value);
  }
  for (const key of ['workers', 'timeoutMs', 'buffer'] as const) {
    if (options[key] < 1) throw new Error(`${key} must be at least 1`);
  }
  return options;
}

function splitFlag(arg: string): [string, string | undefined] {
  const equals = arg.indexOf('=');
  return equals === -1 ? [arg, undefined] : [arg.slice(0, equals), arg.slice(equals + 1)];
}

/** Patterns whose jobs are handled by numbered workers (and so carry `worker`). */
export function hasWorkers(pattern: Pattern): boolean {
  return traits(pattern).numberedWorkers;
}

/** Whether workers are processes whose events reach the output through a pipe. */
export function eventsCrossProcesses(target: string): boolean {
  return target === 'python-multiprocessing';
}

/** How many jobs may be between `start` and their terminal event at once. */
export function concurrencyLimit(pattern: Pattern, options: RunOptions): number {
  return traits(pattern).concurrencyLimit === 'jobs' ? options.jobs : options.workers;
}

/**
 * Whether the contract lets this program refuse `--work cpu` with exit 2:
 * fan-out and worker-pool must do CPU work everywhere, and so must every
 * pattern of python-multiprocessing.
 */
export function mayRejectCpuWork(pattern: Pattern, target: string): boolean {
  return !traits(pattern).cpuWorkRequired && findTarget(target)?.defaultWork !== 'cpu';
}

export function cpuRejectionMessage(pattern: Pattern, target: string): string {
  return `error: --work cpu is not supported by ${pattern} on ${target}`;
}

export const TERMINAL_EVENTS = ['done', 'fail', 'timeout', 'cancel'] as const;
export type TerminalEvent = (typeof TERMINAL_EVENTS)[number];

export function isTerminal(event: string): event is TerminalEvent {
  return (TERMINAL_EVENTS as readonly string[]).includes(event);
}

/** Which summary counter each terminal event feeds. */
export const COUNTER_OF_TERMINAL: Record<TerminalEvent, 'completed' | 'failed' | 'timed_out' | 'cancelled'> = {
  done: 'completed',
  fail: 'failed',
  timeout: 'timed_out',
  cancel: 'cancelled',
};

/** The events each pattern may write, besides the summary. */
export function eventsOfPattern(pattern: Pattern): readonly string[] {
  return traits(pattern).events;
}

/**
 * Key order of each JSON event. `worker?` is present or absent depending on
 * the pattern (see `workerKey`).
 */
export const KEY_ORDER: Record<string, readonly string[]> = {
  start: ['event', 'job', 'worker?', 't_ms'],
  done: ['event', 'job', 'worker?', 't_ms', 'result'],
  fail: ['event', 'job', 'worker?', 't_ms', 'error'],
  timeout: ['event', 'job', 't_ms'],
  cancel: ['event', 'job', 'worker?', 't_ms'],
  produce: ['event', 'job', 't_ms'],
  consume: ['event', 'job', 'worker', 't_ms'],
  ready: ['event', 't_ms'],
  stopping: ['event', 'signal', 't_ms'],
  summary: [
    'event',
    'pattern',
    'target',
    'submitted',
    'completed',
    'failed',
    'timed_out',
    'cancelled',
    'max_concurrency',
    'elapsed_ms',
  ],
};

/**
 * Whether `worker` must be present, may be present or must be absent on an
 * event: worker patterns put it on start/done/fail (a worker handled the
 * job) and may put it on cancel (absent for a job no worker took).
 */
export function workerKey(pattern: Pattern, event: string): 'required' | 'optional' | 'forbidden' {
  if (event === 'consume') return 'required';
  if (!hasWorkers(pattern)) return 'forbidden';
  if (event === 'cancel') return 'optional';
  return 'required';
}

export const SUMMARY_COUNTERS = [
  'submitted',
  'completed',
  'failed',
  'timed_out',
  'cancelled',
  'max_concurrency',
] as const;

export const INJECTED_FAILURE = 'injected failure';

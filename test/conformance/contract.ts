// The parts of docs/program-contract.md that the suite needs as data:
// flag defaults, which events each pattern may write, the key order of each
// event, and the human line formats.

export const PATTERNS = ['fan-out', 'producer-consumer', 'worker-pool', 'timeout', 'graceful-stop'] as const;
export const TARGETS = ['python-asyncio', 'python-threading', 'python-multiprocessing', 'go', 'typescript'] as const;

export type Pattern = (typeof PATTERNS)[number];

/** The effective value of every flag for one run, after defaults. */
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
}

const PATTERN_DEFAULTS: Record<Pattern, Pick<RunOptions, 'jobs' | 'workMs'>> = {
  'fan-out': { jobs: 3, workMs: 1000 },
  'producer-consumer': { jobs: 5, workMs: 500 },
  'worker-pool': { jobs: 5, workMs: 500 },
  timeout: { jobs: 1, workMs: 2000 },
  'graceful-stop': { jobs: 0, workMs: 500 },
};

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
  return (PATTERNS as readonly string[]).includes(value);
}

/**
 * Applies the contract's defaults to a (valid) command line, so that
 * expectations can be written in terms of the values the program runs with.
 */
export function effectiveOptions(pattern: Pattern, target: string, args: readonly string[]): RunOptions {
  const options: RunOptions = {
    ...PATTERN_DEFAULTS[pattern],
    workers: 3,
    work: target === 'python-multiprocessing' ? 'cpu' : 'io',
    failEvery: 0,
    timeoutMs: 1000,
    buffer: 2,
    drainMs: 5000,
    json: false,
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
  return pattern === 'worker-pool' || pattern === 'producer-consumer' || pattern === 'graceful-stop';
}

/** Whether workers are processes whose events reach the output through a pipe. */
export function eventsCrossProcesses(target: string): boolean {
  return target === 'python-multiprocessing';
}

/** How many jobs may be between `start` and their terminal event at once. */
export function concurrencyLimit(pattern: Pattern, options: RunOptions): number {
  return pattern === 'fan-out' ? options.jobs : options.workers;
}

/**
 * Whether the contract lets this program refuse `--work cpu` with exit 2:
 * fan-out and worker-pool must do CPU work everywhere, and so must every
 * pattern of python-multiprocessing.
 */
export function mayRejectCpuWork(pattern: Pattern, target: string): boolean {
  return pattern !== 'fan-out' && pattern !== 'worker-pool' && target !== 'python-multiprocessing';
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

export const EVENTS_OF_PATTERN: Record<Pattern, readonly string[]> = {
  'fan-out': ['start', 'done', 'fail', 'cancel'],
  'producer-consumer': ['produce', 'consume', 'start', 'done', 'fail', 'cancel'],
  'worker-pool': ['start', 'done', 'fail', 'cancel'],
  timeout: ['start', 'done', 'fail', 'timeout', 'cancel'],
  'graceful-stop': ['ready', 'stopping', 'start', 'done', 'fail', 'cancel'],
};

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

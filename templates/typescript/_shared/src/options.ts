import { parseArgs, type ParseArgsConfig } from 'node:util';
import { describeError, UsageError } from './errors.js';

export type WorkKind = 'io' | 'cpu';

/** The program's flags, parsed and checked (docs: the program contract). */
export interface Options {
  jobs: number;
  workers: number;
  workMs: number;
  work: WorkKind;
  failEvery: number;
  timeoutMs: number;
  buffer: number;
  drainMs: number;
  json: boolean;
}

/** The flags whose default depends on the pattern. */
export type PatternDefaults = Pick<Options, 'jobs' | 'workMs'>;

const commonDefaults = {
  workers: 3,
  work: 'io',
  failEvery: 0,
  timeoutMs: 1000,
  buffer: 2,
  drainMs: 5000,
  json: false,
} satisfies Omit<Options, keyof PatternDefaults>;

const flags = {
  jobs: { type: 'string' },
  workers: { type: 'string' },
  'work-ms': { type: 'string' },
  work: { type: 'string' },
  'fail-every': { type: 'string' },
  'timeout-ms': { type: 'string' },
  buffer: { type: 'string' },
  'drain-ms': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

// Timers cannot wait longer than this; a larger delay would silently fire after 1 ms.
const maxInteger = 2 ** 31 - 1;

/** Parses `argv` (without the node and script paths); `undefined` means `--help` was asked for. */
export function parseOptions(argv: string[], defaults: PatternDefaults): Options | undefined {
  const values = readFlags(argv);
  if (values.help) return undefined;

  const integer = (flag: string, text: string | undefined, fallback: number, min: number) => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min || value > maxInteger) {
      throw new UsageError(
        `--${flag} must be an integer from ${min} to ${maxInteger}, got '${text}'`,
      );
    }
    return value;
  };
  const work = values.work ?? commonDefaults.work;
  if (work !== 'io' && work !== 'cpu') {
    throw new UsageError(`--work must be 'io' or 'cpu', got '${work}'`);
  }
  return {
    jobs: integer('jobs', values.jobs, defaults.jobs, 0),
    workers: integer('workers', values.workers, commonDefaults.workers, 1),
    workMs: integer('work-ms', values['work-ms'], defaults.workMs, 0),
    work,
    failEvery: integer('fail-every', values['fail-every'], commonDefaults.failEvery, 0),
    timeoutMs: integer('timeout-ms', values['timeout-ms'], commonDefaults.timeoutMs, 1),
    buffer: integer('buffer', values.buffer, commonDefaults.buffer, 1),
    drainMs: integer('drain-ms', values['drain-ms'], commonDefaults.drainMs, 0),
    json: values.json ?? commonDefaults.json,
  };
}

function readFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: flags, strict: true, allowPositionals: false }).values;
  } catch (error) {
    // parseArgs explains unknown flags, missing values and stray arguments well: keep its words.
    throw new UsageError(describeError(error), { cause: error });
  }
}

/** The `--help` text, showing this pattern's defaults. */
export function usage(pattern: string, defaults: PatternDefaults): string {
  const options = { ...commonDefaults, ...defaults };
  const endless = pattern === 'graceful-stop' ? ', 0 = until signalled' : '';
  return `usage: node dist/main.js [flags]

Runs the ${pattern} pattern on simulated jobs and reports every event.

flags:
  --jobs N          jobs to submit (default ${options.jobs}${endless})
  --workers N       how many jobs run at once (default ${options.workers})
  --work-ms MS      simulated work per job (default ${options.workMs})
  --work io|cpu     io sleeps; cpu computes on a pool of worker threads (default ${options.work})
  --fail-every K    every K-th job fails, 0 = none (default ${options.failEvery})
  --timeout-ms MS   deadline per operation, timeout pattern (default ${options.timeoutMs})
  --buffer N        queue capacity, producer-consumer (default ${options.buffer})
  --drain-ms MS     how long a graceful stop waits for in-flight jobs (default ${options.drainMs})
  --json            one JSON event per line instead of text
  -h, --help        show this help
`;
}

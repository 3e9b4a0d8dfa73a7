// The scaffolder's command line (SPEC §2), parsed with node:util. Parsing
// only checks the shape of the arguments; what the values mean (ids, names,
// directories) is checked in cli.ts against the catalogue.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.js';
import { closest } from './suggest.js';

export interface CliOptions {
  directory?: string;
  pattern?: string;
  target?: string;
  broker?: string;
  name?: string;
  yes: boolean;
  force: boolean;
  dryRun: boolean;
  list: boolean;
  /** undefined: the flag was not given either way. */
  install?: boolean;
  git?: boolean;
  help: boolean;
  version: boolean;
}

const options = {
  pattern: { type: 'string', short: 'p' },
  target: { type: 'string', short: 't' },
  broker: { type: 'string' },
  name: { type: 'string', short: 'n' },
  yes: { type: 'boolean', short: 'y' },
  force: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  list: { type: 'boolean' },
  install: { type: 'boolean' },
  git: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const satisfies ParseArgsConfig['options'];

const negatable = ['install', 'git'];

const flagSpellings = Object.entries(options).flatMap(([long, spec]) => [
  `--${long}`,
  ...('short' in spec ? [`-${spec.short}`] : []),
  ...(negatable.includes(long) ? [`--no-${long}`] : []),
]);

export const helpHint = 'run create-concur-pattern --help for usage';

export function parseCliArgs(argv: readonly string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, allowNegative: true, strict: true });
  } catch (error) {
    throw toUsageError(error);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    throw new UsageError(
      `expected at most one directory, got ${positionals.length}: ${positionals.map((p) => JSON.stringify(p)).join(' ')}`,
      'quote a path that contains spaces; options need their leading dashes',
    );
  }
  return {
    directory: positionals[0],
    pattern: values.pattern,
    target: values.target,
    broker: values.broker,
    name: values.name,
    yes: values.yes ?? false,
    force: values.force ?? false,
    dryRun: values['dry-run'] ?? false,
    list: values.list ?? false,
    install: values.install,
    git: values.git,
    help: values.help ?? false,
    version: values.version ?? false,
  };
}

function toUsageError(error: unknown): UsageError {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
    const flag = unknown[1]!;
    const suggestion = closest(flag.split('=')[0]!, flagSpellings);
    return new UsageError(`unknown option ${flag}`, suggestion ? `did you mean ${suggestion}? ${helpHint}` : helpHint);
  }
  const missing = /Option '(?:-\w, )?(--[\w-]+)[^']*' argument (missing|is ambiguous)/.exec(message);
  if (missing) {
    const dashHint = `a value that starts with "-" is written ${missing[1]}=-value`;
    return new UsageError(`${missing[1]} needs a value`, missing[2] === 'missing' ? helpHint : dashHint);
  }
  const extraValue = /Option '(?:-\w, )?(--[\w-]+)' does not take an argument/.exec(message);
  if (extraValue) return new UsageError(`${extraValue[1]} does not take a value`, helpHint);
  return new UsageError(message.split('\n')[0]!, helpHint);
}

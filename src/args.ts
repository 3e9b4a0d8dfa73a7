// The scaffolder's command line (SPEC §2), parsed with node:util. Parsing
// only checks the shape of the arguments; what the values mean (ids, names,
// directories) is checked in cli.ts against the catalogue.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { languageQuestion, languages, questions, type Answers, type Language } from './decision-tree.js';
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
  /** Walk the decision tree instead of taking --target. */
  recommend: boolean;
  /** The decision tree's answers given as flags (--language python, --cpu-bound yes, ...). */
  answers: Answers;
  /** With --recommend: print the recommendation as JSON, and only that. */
  json: boolean;
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
  recommend: { type: 'boolean' },
  json: { type: 'boolean' },
  language: { type: 'string' },
  ...Object.fromEntries(questions.map((question) => [question.id, { type: 'string' } as const])),
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
  const answers = parseAnswers(values);
  const recommend = values.recommend ?? false;
  const json = values.json ?? false;
  checkRecommendFlags({ recommend, json, answers, values, directory: positionals[0] });
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
    recommend,
    answers,
    json,
  };
}

function parseAnswers(values: Readonly<Record<string, unknown>>): Answers {
  const answers: Answers = {};
  if (values.language !== undefined) answers.language = parseLanguage(String(values.language));
  for (const question of questions) {
    const value = values[question.id];
    if (value === undefined) continue;
    if (value !== 'yes' && value !== 'no') {
      const suggestion = closest(String(value), ['yes', 'no']);
      throw new UsageError(
        `${question.flag} takes yes or no, not ${JSON.stringify(value)}`,
        `${suggestion ? `did you mean ${question.flag} ${suggestion}? ` : ''}${question.flag} answers: ${question.prompt}`,
      );
    }
    answers[question.id] = value;
  }
  return answers;
}

function parseLanguage(value: string): Language {
  const language = languages.find((known) => known === value);
  if (language) return language;
  const { flag, prompt } = languageQuestion;
  const suggestion = closest(value, languages);
  throw new UsageError(
    `${flag} takes ${languages.slice(0, -1).join(', ')} or ${languages.at(-1)}, not ${JSON.stringify(value)}`,
    `${suggestion ? `did you mean ${flag} ${suggestion}? ` : ''}${flag} answers: ${prompt}`,
  );
}

/** The decision tree's flags only mean something with --recommend, and --json only prints. */
function checkRecommendFlags(given: {
  recommend: boolean;
  json: boolean;
  answers: Answers;
  values: Readonly<Record<string, unknown>>;
  directory: string | undefined;
}): void {
  const answered = [
    ...(given.answers.language === undefined ? [] : [languageQuestion.flag]),
    ...questions.filter((question) => given.answers[question.id] !== undefined).map((q) => q.flag),
  ];
  if (!given.recommend) {
    const stray = [...answered, ...(given.json ? ['--json'] : [])];
    if (stray.length > 0) {
      throw new UsageError(
        `${stray.join(', ')} ${stray.length === 1 ? 'only works' : 'only work'} with --recommend`,
        `add --recommend to walk the decision tree, or choose the target yourself with --target; ${helpHint}`,
      );
    }
    return;
  }
  if (given.values.target !== undefined) {
    throw new UsageError(
      '--recommend chooses the target, so --target cannot be given with it',
      'drop --target, or drop --recommend to generate that target',
    );
  }
  if (!given.json) return;
  const generating = [
    ...(given.directory === undefined ? [] : ['a directory']),
    ...['pattern', 'broker', 'name', 'yes', 'force', 'dry-run', 'install', 'git']
      .filter((flag) => given.values[flag] !== undefined)
      .map((flag) => `--${flag}`),
  ];
  if (generating.length > 0) {
    throw new UsageError(
      `--recommend --json only prints the recommendation, so ${generating.join(', ')} cannot be given with it`,
      'drop --json to be offered to generate the recommended target, or drop the generation options',
    );
  }
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

// create-concur-pattern: the command line. main() reads top to bottom:
// parse the arguments, settle what was given, refuse what cannot work, let
// the generator ask for the rest and write, then set up and print next steps.

import { Console } from 'node:console';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { execa } from 'execa';
import type { AppOptions, ProjectOutcome, ProjectRequest } from '../generators/app/index.js';
import { helpHint, parseCliArgs, type CliOptions } from './args.js';
import { combinations, findPattern, findTarget, patterns, targets, type Pattern, type Target } from './catalogue.js';
import { GenerationError, UsageError } from './errors.js';
import { checkName } from './names.js';
import { adaptNpmCommand, packageManagerFromUserAgent, type PackageManager } from './package-manager.js';
import { formatCommand, packageRoot } from './project.js';
import { directoryProblem } from './write.js';
import { closest } from './suggest.js';

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Whether prompts can be shown. */
  interactive: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborted by Ctrl-C or SIGTERM once prompts are over: stop, and leave nothing half-written. */
  signal: AbortSignal;
}

/** The values --yes uses for whatever was not given. */
export const defaults = { pattern: 'worker-pool', target: 'go' } as const;

export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    // 1. Arguments, and the commands that only print.
    const options = parseCliArgs(argv);
    if (options.help) return print(io, helpText());
    if (options.version) return print(io, await packageVersion());
    if (options.list) return print(io, listText());

    // 2. Settle what was given, refusing bad input before anything is asked or written.
    const request = await settleRequest(options, io);

    // 3. Nothing can be asked without a terminal: name what is missing.
    const missing = missingFlags(request);
    if (missing.length > 0 && !io.interactive) {
      throw new UsageError(
        `missing ${missing.join(', ')} (input is not a terminal, so nothing can be asked)`,
        `pass them, or --yes to take the defaults (--pattern ${defaults.pattern} --target ${defaults.target}, name <pattern>-<target>)`,
      );
    }

    // 4. Ask for the rest, render and write: the Yeoman generator.
    const outcome = await generate(request, io);
    io.signal.throwIfAborted();

    // 5. Set the project up and say what to do next.
    const manager = packageManagerFromUserAgent(io.env.npm_config_user_agent);
    if (options.dryRun) return print(io, dryRunText(outcome));
    await setUp(outcome, options, manager, io);
    return print(io, nextStepsText(outcome, manager, io.cwd, options.install === true));
  } catch (error) {
    return report(error, io);
  }
}

async function settleRequest(options: CliOptions, io: Io): Promise<ProjectRequest> {
  const pattern = options.pattern === undefined ? undefined : resolvePattern(options.pattern);
  const target = options.target === undefined ? undefined : resolveTarget(options.target);
  if (pattern && target && !target.patterns.includes(pattern.id)) {
    const available = targets.filter((t) => t.patterns.includes(pattern.id)).map((t) => t.id);
    throw new UsageError(
      `${pattern.id} is not available for ${target.id} yet`,
      `targets with ${pattern.id}: ${available.join(', ') || 'none'}`,
    );
  }
  const directory = options.directory === undefined ? undefined : path.resolve(io.cwd, options.directory);
  let name = options.name ?? (directory === undefined ? undefined : path.basename(directory));
  if (name === undefined && options.yes) {
    name = `${(pattern ?? findPattern(defaults.pattern)!).id}-${(target ?? findTarget(defaults.target)!).id}`;
  }
  const request: ProjectRequest = {
    pattern: pattern ?? (options.yes ? findPattern(defaults.pattern) : undefined),
    target: target ?? (options.yes ? findTarget(defaults.target) : undefined),
    name,
    directory: directory ?? (name === undefined ? undefined : path.resolve(io.cwd, name)),
    force: options.force,
    dryRun: options.dryRun,
  };
  if (request.name !== undefined) {
    // Until the target is chosen, the name must at least suit one language.
    const languages = request.target ? [request.target.language] : [...new Set(targets.map((t) => t.language))];
    const checks = languages.map((language) => checkName(request.name!, language));
    const failure = checks.find((check) => !check.ok);
    if (failure && !failure.ok && (request.target || checks.every((check) => !check.ok))) {
      throw new UsageError(failure.reason, failure.hint);
    }
  }
  if (request.directory !== undefined) {
    const problem = await directoryProblem(request.directory, request.force);
    if (problem) throw problem;
  }
  return request;
}

function resolvePattern(id: string): Pattern {
  const pattern = findPattern(id);
  if (pattern) return pattern;
  const ids = patterns.map((p) => p.id);
  throw new UsageError(`unknown pattern ${JSON.stringify(id)}`, didYouMean(id, ids, 'patterns'));
}

function resolveTarget(id: string): Target {
  const target = findTarget(id);
  if (target) return target;
  const ids = targets.map((t) => t.id);
  throw new UsageError(`unknown target ${JSON.stringify(id)}`, didYouMean(id, ids, 'targets'));
}

function didYouMean(input: string, ids: readonly string[], what: string): string {
  const suggestion = closest(input, ids);
  const valid = `valid ${what}: ${ids.join(', ')}`;
  return suggestion ? `did you mean ${JSON.stringify(suggestion)}? ${valid}` : valid;
}

function missingFlags(request: ProjectRequest): string[] {
  return [
    request.pattern ? undefined : '--pattern',
    request.target ? undefined : '--target',
    request.name ? undefined : '--name (or a directory)',
  ].filter((flag) => flag !== undefined);
}

async function generate(request: ProjectRequest, io: Io): Promise<ProjectOutcome> {
  // Yeoman takes over a second to load, so it is loaded only once there is
  // something to generate: --help, --list and bad input answer at once.
  const [{ createEnv }, { TerminalAdapter, createLogger }, { default: AppGenerator }] = await Promise.all([
    import('yeoman-environment'),
    import('@yeoman/adapter'),
    import('../generators/app/index.js'),
  ]);
  // Errors are reported by main() in one line each; Yeoman's own log stays silent.
  const silent = new Console({ stdout: new Writable({ write: (_chunk, _encoding, done) => done() }) });
  const adapter = new TerminalAdapter({ log: createLogger({ console: silent }) });
  const env = createEnv({ cwd: io.cwd, skipInstall: true, adapter });
  const outcome: Partial<ProjectOutcome> = {};
  const generatorOptions: Partial<AppOptions> = { request, outcome, signal: io.signal, skipInstall: true };
  const generator = await env.create(AppGenerator, { generatorOptions });
  await env.runGenerator(generator);
  return outcome as ProjectOutcome;
}

async function setUp(outcome: ProjectOutcome, options: CliOptions, manager: PackageManager, io: Io): Promise<void> {
  const install = outcome.target.commands.install;
  if (options.install && !install) {
    io.stderr.write(`${outcome.target.title} projects have no dependencies to install\n`);
  }
  if (options.install && install) {
    const command = adaptNpmCommand(install, manager);
    io.stderr.write(`Installing dependencies with ${manager}...\n`);
    await runIn(outcome.directory, command, io, `${command.join(' ')} failed`);
  }
  if (options.git) {
    await runIn(outcome.directory, ['git', 'init', '--quiet'], io, 'git init failed');
    await runIn(outcome.directory, ['git', 'add', '--all'], io, 'git add failed');
    await runIn(
      outcome.directory,
      ['git', 'commit', '--quiet', '--message', `Scaffold ${outcome.pattern.id} on ${outcome.target.id}`],
      io,
      'git commit failed',
      'is git user.name/user.email set? The project is written; commit it yourself',
    );
  }
}

async function runIn(cwd: string, command: string[], io: Io, failure: string, hint?: string): Promise<void> {
  const [file, ...args] = command;
  const result = await execa(file!, args, {
    cwd,
    stdin: 'ignore',
    all: true,
    reject: false,
    env: io.env,
    extendEnv: false,
    cancelSignal: io.signal,
  });
  if (result.isCanceled) {
    throw new GenerationError(`${command.join(' ')} did not finish`, 'the project is written; run that step yourself');
  }
  if (result.failed) {
    const detail = result.all?.trim().split('\n').slice(-5).join('\n  ') || result.shortMessage;
    throw new GenerationError(`${failure}:\n  ${detail}`, hint ?? 'the project is written; run that step yourself');
  }
}

function helpText(): string {
  const patternLines = patterns.map((p) => `  ${p.id.padEnd(20)}${p.summary}`);
  const targetLines = targets.map((t) => `  ${t.id.padEnd(24)}${t.summary}`);
  return `Usage: npm create concur-pattern@latest [dir] -- [options]
       npx create-concur-pattern [dir] [options]

Scaffolds a runnable project implementing one concurrency pattern in one
target, with tests that prove the pattern correct.

Options:
  -p, --pattern <id>   pattern (prompted if missing on a terminal)
  -t, --target <id>    target (prompted if missing on a terminal)
  -n, --name <name>    project name; default: the last part of dir
  -y, --yes            never prompt; defaults: --pattern ${defaults.pattern} --target ${defaults.target},
                       name <pattern>-<target>, directory <name>
      --force          write into a non-empty directory, replacing files with the same names
      --dry-run        print the files that would be written; write nothing
      --list           print every pattern × target combination and exit
      --install        install the project's dependencies (typescript); default: no
      --git            git init and a first commit in the new project; default: no
  -h, --help           show this help
  -v, --version        show the version

Patterns:
${patternLines.join('\n')}

Targets:
${targetLines.join('\n')}

Exit codes: 0 done, 1 generation failed, 2 usage error (nothing written), 130 cancelled.
`;
}

function listText(): string {
  const width = Math.max(...combinations().map(({ pattern, target }) => `${pattern.id} ${target.id}`.length)) + 2;
  return combinations()
    .map(({ pattern, target }) => `${`${pattern.id} ${target.id}`.padEnd(width)}${pattern.title} in ${target.title}`)
    .join('\n')
    .concat('\n');
}

function dryRunText(outcome: ProjectOutcome): string {
  const lines = outcome.files.map((file) => `  ${file.path}`);
  return `Would write ${outcome.files.length} files to ${outcome.directory} (${outcome.pattern.id} on ${outcome.target.id}):\n${lines.join('\n')}\n`;
}

function nextStepsText(outcome: ProjectOutcome, manager: PackageManager, cwd: string, installed: boolean): string {
  const { commands } = outcome.target;
  const show = (command: readonly string[]) => formatCommand(adaptNpmCommand(command, manager), outcome.packageName);
  const relative = path.relative(cwd, outcome.directory) || '.';
  const steps: Array<[string, string]> = [
    ...(relative === '.' ? [] : [[`cd ${formatCommand([relative], '')}`, ''] as [string, string]]),
    ...(commands.install && !installed ? [[show(commands.install), ''] as [string, string]] : []),
    [show(withoutTrailingDashes(commands.run)), '# run the program (--json for events, --help for flags)'],
    [show(commands.test), '# the tests that prove the pattern'],
  ];
  const width = Math.max(...steps.map(([command]) => command.length)) + 2;
  const lines = steps.map(([command, comment]) => `  ${comment ? command.padEnd(width) + comment : command}`);
  return `Created ${outcome.name}: ${outcome.pattern.title} in ${outcome.target.title} (${outcome.files.length} files).

Next steps:
${lines.join('\n')}

README.md explains the pattern, the mistakes it avoids and how the tests prove it.
`;
}

/** `npm start --` is how flags are passed on; with no flags the `--` is noise. */
function withoutTrailingDashes(command: readonly string[]): readonly string[] {
  return command.at(-1) === '--' ? command.slice(0, -1) : command;
}

async function packageVersion(): Promise<string> {
  const manifest = path.join(await packageRoot(), 'package.json');
  return `${(JSON.parse(await fs.readFile(manifest, 'utf8')) as { version: string }).version}\n`;
}

function print(io: Io, text: string): number {
  io.stdout.write(text);
  return 0;
}

function report(error: unknown, io: Io): number {
  if (isCancellation(error) || io.signal.aborted) {
    io.stderr.write(
      `cancelled${error instanceof GenerationError ? `: ${error.message}; ${error.hint}` : ': nothing was written'}\n`,
    );
    return 130;
  }
  if (error instanceof UsageError) {
    io.stderr.write(`error: ${error.message}\n${error.hint ? `hint: ${error.hint}\n` : ''}`);
    return 2;
  }
  if (error instanceof GenerationError) {
    io.stderr.write(`error: ${error.message}\n${error.hint ? `hint: ${error.hint}\n` : ''}`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(
    `error: could not write the project: ${message.split('\n')[0]}\nhint: nothing was written; ${helpHint}\n`,
  );
  return 1;
}

/** Ctrl-C at a prompt (inquirer's errors). */
function isCancellation(error: unknown): boolean {
  return error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError');
}

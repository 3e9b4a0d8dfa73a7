// create-concur-pattern: the command line. main() reads top to bottom:
// parse the arguments, settle what was given, ask for the rest on a
// terminal, render and write (or list, for --dry-run), then set up and print
// the next steps.

import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { helpHint, parseCliArgs, type CliOptions } from './args.js';
import { brokers, combinations, patterns, targets } from './catalogue.js';
import { languageQuestion, languages, questions } from './decision-tree.js';
import { GenerationError, UsageError } from './errors.js';
import { adaptNpmCommand, packageManagerFromUserAgent, type PackageManager } from './package-manager.js';
import { allTargets, isComparison, renderComparison, settleRequest, type Choice } from './comparison.js';
import { formatCommand, packageRoot, renderProject, type ProjectFile } from './project.js';
import { defaults, missingFlags, type ProjectChoice } from './settle.js';
import { writeProject } from './write.js';

// The catalogue, for scripts that read it from the built file (bench/targets.mjs, bench/broker.mjs).
export { brokers, targets, patterns } from './catalogue.js';
// The decision tree's renderings in the docs, for scripts/render-tree.mjs (npm run docs:tree).
export { applyTreeBlocks } from './decision-tree.js';

export interface Io {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Whether prompts can be shown. */
  interactive: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborted by Ctrl-C or SIGTERM once prompts are over: stop, and leave nothing half-written. */
  signal: AbortSignal;
  /**
   * Tests only: called once the project is rendered, just before anything is
   * written, so that a test can interrupt at that point without guessing when.
   */
  beforeWrite?: () => Promise<void>;
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    // 1. Arguments, and the commands that only print.
    let options = parseCliArgs(argv);
    if (options.help) return print(io, helpText());
    if (options.version) return print(io, await packageVersion());
    if (options.list) return print(io, listText());
    if (options.recommend) {
      // The decision tree chooses the target; generating it is the offer it ends with.
      const { recommend } = await import('./recommend.js');
      const target = await recommend(options, io);
      if (target === undefined) return 0;
      options = { ...options, target };
    }

    // 2. Settle what was given, refusing bad input before anything is asked or written.
    const { pattern, target, broker, name, directory, force } = options;
    const request = { pattern, target, broker, name, directory, force };
    const settled = await settleRequest(request, io.cwd, { yes: options.yes });
    let choice: Choice;

    // 3. Ask for the rest: only on a terminal, and only then is Yeoman loaded.
    if (settled.choice) {
      choice = settled.choice;
    } else {
      const missing = missingFlags(settled.draft);
      if (!io.interactive) {
        throw new UsageError(
          `missing ${missing.join(', ')} (input is not a terminal, so nothing can be asked)`,
          `pass them, or --yes to take the defaults (--pattern ${defaults.pattern} --target ${defaults.target}, name <pattern>-<target>)`,
        );
      }
      const { askForRest } = await import('./ask.js');
      choice = await askForRest(request, settled.draft, io);
    }
    io.signal.throwIfAborted();

    // 4. Render, then write all of it or nothing; --dry-run only lists.
    const files = isComparison(choice) ? await renderComparison(choice) : await renderProject(choice);
    if (options.dryRun) return print(io, dryRunText(choice, files));
    await io.beforeWrite?.();
    await writeProject(choice.directory, files, io.signal);

    // 5. Set the project up and say what to do next.
    const manager = packageManagerFromUserAgent(io.env.npm_config_user_agent);
    await setUp(choice, options, manager, io);
    return print(io, nextStepsText(choice, files, manager, io.cwd, options.install === true));
  } catch (error) {
    return report(error, io);
  }
}

async function setUp(choice: Choice, options: CliOptions, manager: PackageManager, io: Io): Promise<void> {
  const projects = isComparison(choice) ? choice.projects : [choice];
  const toInstall = projects.filter((project) => project.target.commands.install);
  if (options.install && toInstall.length === 0) {
    const titles = projects.map((project) => project.target.title).join(', ');
    io.stderr.write(`${titles} projects have no dependencies to install\n`);
  }
  for (const project of options.install ? toInstall : []) {
    const command = adaptNpmCommand(project.target.commands.install!, manager);
    const where = isComparison(choice) ? ` in ${project.target.id}/` : '';
    io.stderr.write(`Installing dependencies with ${manager}${where}...\n`);
    await runIn(project.directory, command, io, `${command.join(' ')} failed`);
  }
  if (options.git) {
    await runIn(choice.directory, ['git', 'init', '--quiet'], io, 'git init failed');
    await runIn(choice.directory, ['git', 'add', '--all'], io, 'git add failed');
    await runIn(
      choice.directory,
      ['git', 'commit', '--quiet', '--message', `Scaffold ${choice.pattern.id} on ${targetIds(choice)}`],
      io,
      'git commit failed',
      'is git user.name/user.email set? The project is written; commit it yourself',
    );
  }
}

/** Runs a command to its end, keeping the last lines of its output for the error. */
async function runIn(cwd: string, command: string[], io: Io, failure: string, hint?: string): Promise<void> {
  const [file, ...args] = command;
  const result = await new Promise<{ code: number | null; output: string; error?: Error }>((resolve) => {
    // Package managers are .cmd scripts on Windows, which only a shell can start;
    // their arguments here are plain words, so the shell sees nothing to expand.
    const child = spawn(file!, args, {
      cwd,
      env: io.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: io.signal,
      shell: process.platform === 'win32' && file !== 'git',
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => resolve({ code: null, output, error }));
    child.on('close', (code) => resolve({ code, output }));
  });
  if (io.signal.aborted) {
    throw new GenerationError(`${command.join(' ')} did not finish`, 'the project is written; run that step yourself');
  }
  if (result.code !== 0) {
    const detail =
      result.output.trim().split('\n').slice(-5).join('\n  ') ||
      result.error?.message ||
      `exited with code ${result.code}`;
    throw new GenerationError(`${failure}:\n  ${detail}`, hint ?? 'the project is written; run that step yourself');
  }
}

function helpText(): string {
  const patternLines = patterns.map((p) => `  ${p.id.padEnd(20)}${p.summary}`);
  const targetLines = targets.map((t) => `  ${t.id.padEnd(24)}${t.summary}`);
  const answerLines = [
    `      ${languageQuestion.flag} ${languages.join('|')}\n${' '.repeat(23)}${languageQuestion.prompt}\n${' '.repeat(23)}asked first on a terminal; otherwise any`,
    ...questions.map((q) => `      ${q.flag} yes|no\n${' '.repeat(23)}${q.prompt}`),
  ];
  return `Usage: npm create concur-pattern@latest [dir] -- [options]
       npx create-concur-pattern [dir] [options]

Scaffolds a runnable project implementing one concurrency pattern in one
target, with tests that prove the pattern correct.

Options:
  -p, --pattern <id>   pattern (prompted if missing on a terminal)
  -t, --target <id>    target (prompted if missing on a terminal); ${allTargets}, or a comma list such as
                       ${targets[0]!.id},${targets[1]!.id}, writes one folder per target, plus COMPARISON.md,
                       compare.html and run-tests (every folder's tests, one line each)
      --broker <id>    carry the jobs through a broker, for many processes and machines
                       (${brokers.map((b) => `${b.id}: ${b.patterns.join(', ')}`).join('; ')})
  -n, --name <name>    project name; default: the last part of dir
  -y, --yes            never prompt; defaults: --pattern ${defaults.pattern} --target ${defaults.target},
                       name <pattern>-<target> (<pattern>-${allTargets}, or <pattern>-compare for a list),
                       directory <name>
      --force          write into a non-empty directory, replacing files with the same names
      --dry-run        print the files that would be written; write nothing
      --list           print every pattern × target combination and exit
      --install        install the project's dependencies (typescript); default: no
      --git            git init and a first commit in the new project; default: no
  -h, --help           show this help
  -v, --version        show the version

Choosing a target:
      --recommend      walk the decision tree (docs/choosing.md): asks on a terminal what the flags
                       below do not answer, prints the recommended target, why and the measured
                       figures, then offers to generate it (asking the pattern and name as usual);
                       with --yes it generates it without asking
${answerLines.join('\n')}
      --json           with --recommend: print only {"target", "reason", "alternatives"}
                       (each alternative {"target", "when"}); never asks, never generates

Patterns:
${patternLines.join('\n')}

Targets:
${targetLines.join('\n')}

Exit codes: 0 done, 1 generation failed, 2 usage error (nothing written), 130 cancelled.
`;
}

function listText(): string {
  const rows = combinations().flatMap(({ pattern, target }) => [
    [`${pattern.id} ${target.id}`, `${pattern.title} in ${target.title}`],
    ...brokers
      .filter((broker) => broker.patterns.includes(pattern.id))
      .map((broker) => [
        `${pattern.id} ${target.id} --broker ${broker.id}`,
        `${pattern.title} in ${target.title}, across machines through ${broker.title}`,
      ]),
  ]);
  const width = Math.max(...rows.map(([combination]) => combination!.length)) + 2;
  return rows.map(([combination, title]) => `${combination!.padEnd(width)}${title}`).join('\n') + '\n';
}

function dryRunText(choice: Choice, files: readonly ProjectFile[]): string {
  const lines = files.map((file) => `  ${file.path}`);
  const { broker } = isComparison(choice) ? choice.projects[0]! : choice;
  const through = broker ? ` through ${broker.title}` : '';
  return `Would write ${files.length} files to ${choice.directory} (${choice.pattern.id} on ${targetIds(choice)}${through}):\n${lines.join('\n')}\n`;
}

function targetIds(choice: Choice): string {
  return isComparison(choice) ? choice.projects.map((project) => project.target.id).join(', ') : choice.target.id;
}

function nextStepsText(
  choice: Choice,
  files: readonly ProjectFile[],
  manager: PackageManager,
  cwd: string,
  installed: boolean,
): string {
  if (!isComparison(choice)) return projectNextSteps(choice, files, manager, cwd, installed);
  const relative = path.relative(cwd, choice.directory) || '.';
  // The Python targets share their pinned dev tools: one install serves every Python folder.
  const devTools = new Set(
    choice.projects.flatMap(({ target }) =>
      target.commands.devTools ? [formatCommand(target.commands.devTools, '')] : [],
    ),
  );
  const steps: Array<[string, string]> = [
    ...(relative === '.' ? [] : [[`cd ${formatCommand([relative], '')}`, ''] as [string, string]]),
    ...[...devTools].map((command): [string, string] => [command, '# the pinned Python dev tools']),
    ['sh run-tests', "# every folder's tests, one line per target (or: make test)"],
  ];
  const width = Math.max(...steps.map(([command]) => command.length)) + 2;
  const lines = steps.map(([command, comment]) => `  ${comment ? command.padEnd(width) + comment : command}`);
  return `Created ${choice.name}: ${choice.pattern.title} in ${choice.projects.length} targets (${files.length} files).

Next steps:
${lines.join('\n')}

Open compare.html to read the components side by side; COMPARISON.md explains how the targets differ.
`;
}

function projectNextSteps(
  choice: ProjectChoice,
  files: readonly ProjectFile[],
  manager: PackageManager,
  cwd: string,
  installed: boolean,
): string {
  const { commands } = choice.target;
  const show = (command: readonly string[]) => formatCommand(adaptNpmCommand(command, manager), choice.packageName);
  const relative = path.relative(cwd, choice.directory) || '.';
  const steps: Array<[string, string]> = [
    ...(relative === '.' ? [] : [[`cd ${formatCommand([relative], '')}`, ''] as [string, string]]),
    ...(commands.install && !installed ? [[show(commands.install), ''] as [string, string]] : []),
    [show(withoutTrailingDashes(commands.run)), '# run the program (--json for events, --help for flags)'],
    [show(commands.test), '# the tests that prove the pattern'],
  ];
  const width = Math.max(...steps.map(([command]) => command.length)) + 2;
  const lines = steps.map(([command, comment]) => `  ${comment ? command.padEnd(width) + comment : command}`);
  return `Created ${choice.name}: ${choice.pattern.title} in ${choice.target.title} (${files.length} files).

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

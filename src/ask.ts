// Runs the Yeoman generator to ask, on a terminal, for what the command line
// did not give. Loaded only when there is something to ask: flags, --yes and
// bad input never pay for Yeoman.
//
// The generator only asks, so it runs in a small environment of our own
// rather than yeoman-environment's: the run loop Yeoman defines (its
// priorities, in order), an in-memory file store that nothing commits, and a
// terminal adapter that shows the same @inquirer prompts Yeoman's does. No
// generator lookup, no package installer, no file conflicts to resolve.

import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import input from '@inquirer/input';
import select from '@inquirer/select';
import { create as createMemFs } from 'mem-fs';
import AppGenerator, { type AppOptions } from '../generators/app/index.js';
import type { Draft, ProjectChoice, ProjectRequest } from './settle.js';

export interface Terminal {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  cwd: string;
}

/** Yeoman's run loop: its task priorities, in the order they run. */
const priorities = [
  'initializing',
  'prompting',
  'configuring',
  'default',
  'writing',
  'transform',
  'conflicts',
  'install',
  'end',
] as const;

interface Question {
  type: 'select' | 'input';
  name: string;
  message: string;
  choices?: Array<{ name: string; value: unknown }>;
  default?: string;
  validate?: (value: string) => Promise<string | boolean> | string | boolean;
}

/** Writes nothing: errors are reported once, by main(). */
const silentLog = Object.assign(() => {}, {
  write: () => silentLog,
  writeln: () => silentLog,
  ok: () => silentLog,
  error: () => silentLog,
  info: () => silentLog,
  skip: () => silentLog,
  force: () => silentLog,
  create: () => silentLog,
  invoke: () => silentLog,
  conflict: () => silentLog,
  identical: () => silentLog,
});

/** The part of Yeoman's adapter a generator that asks needs: prompts on the terminal, a log. */
class TerminalAdapter {
  readonly log = silentLog;

  constructor(private readonly terminal: Terminal) {}

  async prompt(questions: Question | Question[], initialAnswers: Record<string, unknown> = {}) {
    const answers: Record<string, unknown> = { ...initialAnswers };
    const context = { input: this.terminal.stdin, output: this.terminal.stdout };
    for (const question of Array.isArray(questions) ? questions : [questions]) {
      if (answers[question.name] !== undefined) continue;
      answers[question.name] =
        question.type === 'select'
          ? await select({ message: question.message, choices: question.choices ?? [] }, context)
          : await input({ message: question.message, default: question.default, validate: question.validate }, context);
    }
    return answers;
  }
}

/** Just enough of a Yeoman environment to run a generator's tasks, priority by priority. */
class PromptEnvironment extends EventEmitter {
  readonly sharedFs = createMemFs();
  readonly adapter: TerminalAdapter;
  readonly #queues = new Map<string, Array<() => Promise<void>>>(priorities.map((name) => [name, []]));

  constructor(
    readonly cwd: string,
    terminal: Terminal,
  ) {
    super();
    this.adapter = new TerminalAdapter(terminal);
  }

  /** The generator checks the environment's version; ours has none to compare. */
  getVersion(): undefined {
    return undefined;
  }

  queueTask(priority: string, task: () => Promise<void>): void {
    const queue = this.#queues.get(priority);
    if (!queue) throw new Error(`the generator uses a task priority this environment does not run: ${priority}`);
    queue.push(task);
  }

  /** Runs every queued task, always taking the first one of the earliest priority. */
  async run(generator: { queueTasks(): Promise<void> }): Promise<void> {
    await generator.queueTasks();
    for (;;) {
      const queue = [...this.#queues.values()].find((tasks) => tasks.length > 0);
      if (!queue) return;
      await queue.shift()!();
    }
  }
}

/** Asks for whatever `draft` lacks and returns the settled choice. */
export async function askForRest(request: ProjectRequest, draft: Draft, terminal: Terminal): Promise<ProjectChoice> {
  const environment = new PromptEnvironment(terminal.cwd, terminal);
  const options = {
    env: environment as unknown as NonNullable<AppOptions['env']>,
    resolved: fileURLToPath(import.meta.url),
    namespace: 'concur-pattern:app',
    help: false,
    skipCache: true,
    skipLocalCache: true,
    request,
    draft,
  } satisfies AppOptions;
  const generator = new AppGenerator([], options);
  await environment.run(generator);
  if (!generator.choice) throw new Error('the generator finished without a settled choice');
  return generator.choice;
}

// Runs the Yeoman generator to ask, on a terminal, for what the command line
// did not give. Loaded only when there is something to ask: flags, --yes and
// bad input never pay for Yeoman.
//
// The generator only asks, so it runs in a small environment of our own
// rather than yeoman-environment's: the run loop Yeoman defines (its
// priorities, in order), an in-memory file store that nothing commits, and
// Yeoman's own terminal adapter for the prompts. No generator lookup, no
// package installer, no file conflicts to resolve.

import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { TerminalAdapter } from '@yeoman/adapter';
import { create as createMemFs } from 'mem-fs';
import AppGenerator, { type AppOptions } from '../generators/app/index.js';
import type { Choice } from './comparison.js';
import type { Draft, ProjectRequest } from './settle.js';

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
    // Its types ask for a TTY's streams; the prompts only read and write them.
    this.adapter = new TerminalAdapter({
      stdin: terminal.stdin as NodeJS.ReadStream,
      stdout: terminal.stdout as NodeJS.WriteStream,
    });
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
export async function askForRest(request: ProjectRequest, draft: Draft, terminal: Terminal): Promise<Choice> {
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

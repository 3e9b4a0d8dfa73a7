// The Yeoman generator: asks for what the command line did not give, renders
// the chosen combination, and writes it all or nothing. It only orchestrates;
// the catalogue, name rules, rendering and writing live in src/.

import path from 'node:path';
import Generator, { type BaseOptions } from 'yeoman-generator';
import { findPattern, findTarget, patterns, targets, type Pattern, type Target } from '../../src/catalogue.js';
import { UsageError } from '../../src/errors.js';
import { checkName } from '../../src/names.js';
import { renderProject, type ProjectFile } from '../../src/project.js';
import { directoryProblem, writeProject } from '../../src/write.js';

/** What the command line settled before the generator runs; the rest is asked. */
export interface ProjectRequest {
  pattern?: Pattern;
  target?: Target;
  name?: string;
  /** Absolute; undefined when it follows from the name asked for. */
  directory?: string;
  force: boolean;
  dryRun: boolean;
}

/** What the generator decided and wrote, for the command line to report. */
export interface ProjectOutcome {
  pattern: Pattern;
  target: Target;
  name: string;
  packageName: string;
  directory: string;
  files: ProjectFile[];
}

export type AppOptions = BaseOptions & {
  request: ProjectRequest;
  /** Aborted by Ctrl-C: the commit then writes nothing. */
  signal: AbortSignal;
  /** Filled in by the generator. */
  outcome: Partial<ProjectOutcome>;
};

export default class AppGenerator extends Generator<Record<string, never>, AppOptions> {
  constructor(args?: string[], options?: BaseOptions) {
    super(args, options, {
      customCommitTask: () => this.commitProject(),
      skipParseOptions: true,
      tasksMatchingPriority: true,
    });
  }

  async prompting(): Promise<void> {
    const { request, outcome } = this.options;
    outcome.pattern = request.pattern ?? (await this.askPattern());
    outcome.target = request.target ?? (await this.askTarget(outcome.pattern));
    outcome.name = request.name ?? (await this.askName(outcome.pattern, outcome.target));
    outcome.directory = request.directory ?? path.resolve(this.env.cwd, outcome.name);
  }

  private async askPattern(): Promise<Pattern> {
    const { pattern } = await this.prompt<{ pattern: string }>({
      type: 'select',
      name: 'pattern',
      message: 'Which concurrency pattern?',
      choices: patterns.map((p) => ({ name: `${p.id.padEnd(18)} ${p.summary}`, value: p.id })),
    });
    return findPattern(pattern)!;
  }

  private async askTarget(pattern: Pattern): Promise<Target> {
    const { target } = await this.prompt<{ target: string }>({
      type: 'select',
      name: 'target',
      message: 'In which language and concurrency model?',
      choices: targets
        .filter((t) => t.patterns.includes(pattern.id))
        .map((t) => ({ name: `${t.id.padEnd(23)} ${t.summary}`, value: t.id })),
    });
    return findTarget(target)!;
  }

  private async askName(pattern: Pattern, target: Target): Promise<string> {
    const { name } = await this.prompt<{ name: string }>({
      type: 'input',
      name: 'name',
      message: 'Project name (also its directory):',
      default: `${pattern.id}-${target.id}`,
      validate: async (input: string) => {
        const check = checkName(input, target.language);
        if (!check.ok) return `${check.reason} (${check.hint})`;
        const problem = await directoryProblem(path.resolve(this.env.cwd, input), this.options.request.force);
        return problem ? `${problem.message} (${problem.hint})` : true;
      },
    });
    return name;
  }

  async writing(): Promise<void> {
    const outcome = this.options.outcome;
    const { pattern, target, name, directory } = outcome as ProjectOutcome;
    // The command line checked what it was given; answers and defaults are
    // checked here against the target that was finally chosen.
    const check = checkName(name, target.language);
    if (!check.ok) throw new UsageError(check.reason, check.hint);
    const problem = await directoryProblem(directory, this.options.request.force);
    if (problem) throw problem;
    outcome.packageName = check.packageName;
    outcome.files = await renderProject({ pattern, target, name, packageName: check.packageName });
  }

  /** Replaces Yeoman's file-by-file commit: all files land, or none. */
  private async commitProject(): Promise<void> {
    const { directory, files } = this.options.outcome as ProjectOutcome;
    if (this.options.request.dryRun) return;
    await writeProject(directory, files, this.options.signal);
  }
}

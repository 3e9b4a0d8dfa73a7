// The Yeoman generator: on a terminal, asks for what the command line did not
// give, and hands back a settled choice. Every answer goes through the same
// settle() step as the flags; rendering and writing are src/'s.

import Generator, { type BaseOptions } from 'yeoman-generator';
import { findPattern, patterns, targets, type Pattern } from '../../src/catalogue.js';
import { UsageError } from '../../src/errors.js';
import { allTargets, defaultComparisonName, settleRequest, type Choice } from '../../src/comparison.js';
import type { Draft, ProjectRequest } from '../../src/settle.js';

export type AppOptions = BaseOptions & {
  /** What the command line gave, as typed. */
  request: ProjectRequest;
  /** The same request, already settled as far as it goes. */
  draft: Draft;
};

export default class AppGenerator extends Generator<Record<string, never>, AppOptions> {
  /** Set once every value is given and checked. */
  choice?: Choice;

  constructor(args: string[], options: AppOptions) {
    super(args, options, { skipParseOptions: true, tasksMatchingPriority: true });
  }

  async prompting(): Promise<void> {
    const { request, draft } = this.options;
    const pattern = draft.pattern ?? (await this.askPattern());
    // A list of targets given as a flag stays as typed; settleRequest() resolves it again with the pattern.
    const target = draft.targets ? request.target! : (draft.target?.id ?? (await this.askTarget(pattern)));
    const settled = { ...request, pattern: pattern.id, target };
    if (draft.name !== undefined) {
      // The name came with the flags: settle it with the pattern and target chosen here.
      this.choice = (await settleRequest(settled, this.env.cwd)).choice;
      return;
    }
    const several = draft.targets !== undefined || target === allTargets;
    await this.askName(settled, several ? defaultComparisonName(pattern, target) : `${pattern.id}-${target}`);
  }

  private async askPattern(): Promise<Pattern> {
    const { pattern } = await this.prompt<{ pattern: string }>({
      type: 'select',
      name: 'pattern',
      message: 'Which concurrency pattern?',
      choices: patterns.map((p) => ({ name: `${p.id.padEnd(18)} ${p.summary}`, value: p.id, short: p.id })),
    });
    return findPattern(pattern)!;
  }

  /** A target's id, or `all`: every target that has the pattern, side by side. */
  private async askTarget(pattern: Pattern): Promise<string> {
    const available = targets.filter((t) => t.patterns.includes(pattern.id));
    const { target } = await this.prompt<{ target: string }>({
      type: 'select',
      name: 'target',
      message: 'In which language and concurrency model?',
      choices: [
        ...available.map((t) => ({ name: `${t.id.padEnd(23)} ${t.summary}`, value: t.id, short: t.id })),
        {
          name: `${allTargets.padEnd(23)} all ${available.length} side by side, with COMPARISON.md and compare.html`,
          value: allTargets,
          short: allTargets,
        },
      ],
    });
    return target;
  }

  /** Asks until settle() accepts the name, which also settles the choice. */
  private async askName(request: ProjectRequest, suggestion: string): Promise<void> {
    await this.prompt<{ name: string }>({
      type: 'input',
      name: 'name',
      message: 'Project name (also its directory):',
      default: suggestion,
      validate: async (input: string) => {
        try {
          this.choice = (await settleRequest({ ...request, name: input }, this.env.cwd)).choice;
          return true;
        } catch (error) {
          if (!(error instanceof UsageError)) throw error;
          return `${error.message} (${error.hint})`;
        }
      },
    });
  }
}

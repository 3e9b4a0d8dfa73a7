// The Yeoman generator: on a terminal, asks for what the command line did not
// give, and hands back a settled choice. Every answer goes through the same
// settle() step as the flags; rendering and writing are src/'s.

import Generator, { type BaseOptions } from 'yeoman-generator';
import { brokers, findBroker, findPattern, patterns, targets, type Broker, type Pattern } from '../../src/catalogue.js';
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
    const pattern = draft.pattern ?? (await this.askPattern(draft.broker));
    // A list of targets given as a flag stays as typed; settleRequest() resolves it again with the pattern.
    const target = draft.targets ? request.target! : (draft.target?.id ?? (await this.askTarget(pattern)));
    // Flags that name both pattern and target chose the in-process form unless they name a broker.
    const askedSomething = !draft.pattern || (!draft.target && !draft.targets);
    const broker = request.broker === undefined && askedSomething ? await this.askBroker(pattern) : draft.broker;
    const settled = { ...request, pattern: pattern.id, target, broker: broker?.id };
    if (draft.name !== undefined) {
      // The name came with the flags: settle it with the pattern and target chosen here.
      this.choice = (await settleRequest(settled, this.env.cwd)).choice;
      return;
    }
    const several = draft.targets !== undefined || target === allTargets;
    await this.askName(settled, several ? defaultComparisonName(pattern, target) : `${pattern.id}-${target}`);
  }

  /** With a broker given, only the patterns it carries are offered. */
  private async askPattern(broker: Broker | undefined): Promise<Pattern> {
    const { pattern } = await this.prompt<{ pattern: string }>({
      type: 'select',
      name: 'pattern',
      message: 'Which concurrency pattern?',
      choices: patterns
        .filter((p) => !broker || broker.patterns.includes(p.id))
        .map((p) => ({ name: `${p.id.padEnd(18)} ${p.summary}`, value: p.id, short: p.id })),
    });
    return findPattern(pattern)!;
  }

  /** Asked only when a broker can carry the pattern's jobs; the first choice is none. */
  private async askBroker(pattern: Pattern): Promise<Broker | undefined> {
    const carriers = brokers.filter((b) => b.patterns.includes(pattern.id));
    if (carriers.length === 0) return undefined;
    const { broker } = await this.prompt<{ broker: string }>({
      type: 'select',
      name: 'broker',
      message: 'Where do the jobs come from?',
      choices: [
        {
          name: `${'in-process'.padEnd(18)} one process: the jobs are made where they run`,
          value: '',
          short: 'in-process',
        },
        ...carriers.map((b) => ({ name: `${b.id.padEnd(18)} ${b.summary}`, value: b.id, short: b.id })),
      ],
    });
    return broker ? findBroker(broker) : undefined;
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

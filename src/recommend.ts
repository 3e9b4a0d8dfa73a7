// --recommend: walks the decision tree (src/decision-tree.ts) with the
// answers the flags gave, asks the rest on a terminal, prints the target it
// leads to with the reason and the measured figures, then offers to generate
// it. Loaded only when --recommend is given; the prompts load Yeoman's
// terminal adapter only when there is something to ask.

import type { CliOptions } from './args.js';
import { findTarget } from './catalogue.js';
import type { Io } from './cli.js';
import {
  answerFlags,
  findQuestion,
  walk,
  type Alternative,
  type Answer,
  type Answers,
  type Leaf,
  type QuestionId,
} from './decision-tree.js';
import { UsageError } from './errors.js';
import { measuredOn, quoteFigure } from './figures.js';
import { formatCommand } from './project.js';
import { settle } from './settle.js';

/** What --recommend --json prints: exactly these three keys. */
interface RecommendationJson {
  target: string;
  reason: string;
  alternatives: Alternative[];
}

/**
 * Prints the recommendation. Returns the target to generate when the user
 * accepts the offer (or gave --yes), undefined when nothing is to be generated.
 */
export async function recommend(options: CliOptions, io: Io): Promise<string | undefined> {
  const canAsk = io.interactive && !options.yes && !options.json;
  if (!options.json) {
    // Bad generation options are refused before any question, not after.
    const { pattern, broker, name, directory, force } = options;
    await settle({ pattern, broker, name, directory, force }, io.cwd);
  }
  const answers: Partial<Record<QuestionId, Answer>> = { ...options.answers };
  let prompts: Prompts | undefined;
  for (;;) {
    const step = walk(answers);
    if ('leaf' in step) {
      if (prompts) {
        prompts.close();
        // Set the recommendation apart from the questions above it.
        io.stdout.write('\n');
      }
      warnUnused(options.answers, step.path, io);
      return await offer(step.leaf, answers, options, io, canAsk);
    }
    if (!canAsk) throw missingAnswers(step.open, step.later, options, io.interactive);
    prompts ??= await Prompts.open(io);
    answers[step.open] = await prompts.answer(step.open);
  }
}

/**
 * A flag answering a question the walked path never asks changes nothing; say
 * so on stderr (stdout may be --json), so that nobody believes it counted.
 */
function warnUnused(given: Answers, walked: readonly QuestionId[], io: Io): void {
  const unused = Object.keys(given).filter((id) => !walked.includes(id as QuestionId)) as QuestionId[];
  if (unused.length === 0) return;
  const flags = unused.map((id) => `${findQuestion(id).flag} ${given[id]}`).join(', ');
  const asked = walked.map((id) => findQuestion(id).flag).join(', ');
  io.stderr.write(`warning: ignored ${flags}: this path asks only ${asked}\n`);
}

async function offer(
  leaf: Leaf,
  answers: Answers,
  options: CliOptions,
  io: Io,
  canAsk: boolean,
): Promise<string | undefined> {
  if (options.json) {
    const json: RecommendationJson = { target: leaf.target, reason: leaf.reason, alternatives: [...leaf.alternatives] };
    io.stdout.write(`${JSON.stringify(json)}\n`);
    return undefined;
  }
  io.stdout.write(recommendationText(leaf, answers));
  if (options.yes) return leaf.target;
  if (!canAsk) {
    io.stdout.write(`\nTo generate it: ${generateCommand(leaf.target, options)} (or add --yes)\n`);
    return undefined;
  }
  const prompts = await Prompts.open(io);
  const accepted = await prompts.confirm(`Generate a ${leaf.target} project now?`);
  prompts.close();
  if (accepted) return leaf.target;
  io.stdout.write(`Nothing written. Later: ${generateCommand(leaf.target, options)}\n`);
  return undefined;
}

/** The command that generates `target` with the generation options this run was given. */
function generateCommand(target: string, options: CliOptions): string {
  const given: Array<[string, string | undefined]> = [
    ['--pattern', options.pattern],
    ['--broker', options.broker],
    ['--name', options.name],
  ];
  return [
    'npx create-concur-pattern',
    options.directory === undefined ? '[dir]' : formatCommand([options.directory], ''),
    ...given.filter(([, value]) => value !== undefined).map(([flag, value]) => `${flag} ${value}`),
    `--target ${target}`,
  ].join(' ');
}

/** The recommendation for a person: target, why, the figures behind it, the alternatives. */
export function recommendationText(leaf: Leaf, answers: Answers): string {
  const target = findTarget(leaf.target)!;
  const width = Math.max(...leaf.alternatives.map((alternative) => alternative.target.length)) + 2;
  return [
    `Recommended: ${target.id} (${target.title}): ${leaf.headline}`,
    `  answers: ${answerFlags(answers)}`,
    '',
    wrap(`Why: ${leaf.reason}`, ''),
    '',
    wrap(`Behind it, ${measuredOn()}:`, ''),
    ...leaf.figures.map((figure) => wrap(`  - ${quoteFigure(figure)}`, '    ')),
    '',
    'Alternatives:',
    ...leaf.alternatives.map((alternative) =>
      wrap(`  ${alternative.target.padEnd(width)}when ${alternative.when}`, ' '.repeat(width + 2)),
    ),
    '',
  ].join('\n');
}

/** Breaks a paragraph into lines of at most 100 characters, continuing them with `indent`. */
function wrap(text: string, indent: string, width = 100): string {
  const lead = /^ */.exec(text)![0];
  const lines: string[] = [];
  let line = lead;
  for (const word of text.slice(lead.length).split(' ')) {
    if (line.trim() && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else {
      line = line.trim() ? `${line} ${word}` : line + word;
    }
  }
  return [...lines, line].join('\n');
}

function missingAnswers(
  open: QuestionId,
  later: readonly QuestionId[],
  options: CliOptions,
  interactive: boolean,
): UsageError {
  const flag = findQuestion(open).flag;
  const flags = later.map((id) => findQuestion(id).flag).join(', ');
  const then = later.length > 0 ? ` (then, depending on the answers, ${flags})` : '';
  const why = options.json
    ? '--json never asks'
    : options.yes
      ? '--yes never asks'
      : interactive
        ? ''
        : 'input is not a terminal, so nothing can be asked';
  return new UsageError(
    `missing ${flag}${then}${why ? ` (${why})` : ''}`,
    `answer with ${flag} yes or ${flag} no: ${findQuestion(open).prompt}`,
  );
}

/** The questions on a terminal, through Yeoman's terminal adapter (inquirer), loaded on first use. */
class Prompts {
  private constructor(private readonly adapter: import('@yeoman/adapter').TerminalAdapter) {}

  static async open(io: Io): Promise<Prompts> {
    const { TerminalAdapter } = await import('@yeoman/adapter');
    // Its types ask for a TTY's streams; the prompts only read and write them.
    return new Prompts(
      new TerminalAdapter({ stdin: io.stdin as NodeJS.ReadStream, stdout: io.stdout as NodeJS.WriteStream }),
    );
  }

  async answer(id: QuestionId): Promise<Answer> {
    const question = findQuestion(id);
    const { answer } = await this.adapter.prompt<{ answer: Answer }>([
      {
        type: 'select',
        name: 'answer',
        message: question.prompt,
        choices: [
          { name: 'yes', value: 'yes' },
          { name: 'no', value: 'no' },
        ],
      },
    ]);
    return answer;
  }

  async confirm(message: string): Promise<boolean> {
    const { accepted } = await this.adapter.prompt<{ accepted: boolean }>([
      { type: 'confirm', name: 'accepted', message, default: true },
    ]);
    return accepted;
  }

  close(): void {
    this.adapter.close();
  }
}

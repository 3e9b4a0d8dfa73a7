// --recommend in-process, without a terminal: every path of the tree through
// the flags, as JSON and as text, and every way the flags can be wrong.
// test/cli/recommend.test.ts drives the prompts on a real terminal.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { patterns } from '../../src/catalogue.js';
import { answerFlags, paths, questions, walk, type Answers } from '../../src/decision-tree.js';
import { quoteFigure } from '../../src/figures.js';
import { runMain } from '../in-process.js';

let workDir: string;
beforeEach(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ccp-recommend-'));
});
afterEach(async () => {
  await fs.rm(workDir, { recursive: true, force: true });
});

/** main() without a terminal, in this test's folder. */
const run = (argv: string[]) => runMain(argv, { cwd: workDir });

/** Lines are wrapped and columns padded for the terminal: compare words. */
const squeeze = (text: string) => text.replaceAll(/\s+/g, ' ');

const flags = (answers: Answers) => answerFlags(answers).split(' ').filter(Boolean);

/** Exit 2, nothing on stdout, one error line and one hint line, nothing written. */
async function expectRefused(argv: string[], error: string | RegExp, hint?: string): Promise<void> {
  const { code, stdout, stderr } = await run(argv);
  expect(code, stderr).toBe(2);
  expect(stdout).toBe('');
  const [errorLine, hintLine, ...rest] = stderr.split('\n');
  expect(errorLine).toMatch(/^error: /);
  if (typeof error === 'string') expect(errorLine).toContain(error);
  else expect(errorLine).toMatch(error);
  expect(hintLine).toMatch(/^hint: \S/);
  if (hint) expect(hintLine).toContain(hint);
  expect(rest).toEqual(['']);
  expect(await fs.readdir(workDir)).toEqual([]);
}

describe.each(paths().map(({ leaf, answers }) => ({ leaf, answers, label: answerFlags(answers) })))(
  '--recommend $label',
  ({ leaf, answers }) => {
    it(`--json prints only {"target", "reason", "alternatives"}: ${leaf.target}`, async () => {
      const { code, stdout, stderr } = await run(['--recommend', '--json', ...flags(answers)]);
      expect(code, stderr).toBe(0);
      expect(stderr).toBe('');
      expect(stdout.endsWith('\n')).toBe(true);
      expect(stdout.trimEnd().split('\n')).toHaveLength(1);
      const printed = JSON.parse(stdout) as Record<string, unknown>;
      expect(Object.keys(printed)).toEqual(['target', 'reason', 'alternatives']);
      expect(printed).toEqual({ target: leaf.target, reason: leaf.reason, alternatives: leaf.alternatives });
      for (const alternative of printed.alternatives as Array<Record<string, unknown>>) {
        expect(Object.keys(alternative)).toEqual(['target', 'when']);
      }
      expect(await fs.readdir(workDir)).toEqual([]);
    });

    it(`prints the target, the reason, the figures and the alternatives, and writes nothing: ${leaf.target}`, async () => {
      const { code, stdout, stderr } = await run(['--recommend', ...flags(answers)]);
      expect(code, stderr).toBe(0);
      expect(stderr).toBe('');
      const text = squeeze(stdout);
      expect(stdout).toMatch(new RegExp(`^Recommended: ${leaf.target} `));
      expect(stdout).toContain(`answers: ${answerFlags(answers)}`);
      expect(text).toContain(squeeze(leaf.reason));
      expect(text).toContain('measured 20');
      for (const figure of leaf.figures) expect(text).toContain(squeeze(quoteFigure(figure)));
      for (const alternative of leaf.alternatives)
        expect(text).toContain(squeeze(`${alternative.target} when ${alternative.when}`));
      expect(stdout).toContain(`--target ${leaf.target}`);
      expect(await fs.readdir(workDir)).toEqual([]);
    });
  },
);

describe('--recommend without a terminal', () => {
  it('needs only the answers on the walked path; others do not change it, and a warning on stderr says so', async () => {
    const { code, stdout, stderr } = await run([
      '--recommend',
      '--json',
      '--cpu-bound',
      'no',
      '--existing-async',
      'yes',
      '--parallel',
      'yes',
      '--simple',
      'no',
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ target: 'python-asyncio' });
    expect(stderr).toBe(
      'warning: ignored --parallel yes, --simple no: this path asks only --cpu-bound, --existing-async\n',
    );
  });

  it('warns about an unused answer in text mode too, and stays silent when every answer is on the path', async () => {
    const unused = await run(['--recommend', '--cpu-bound', 'yes', '--parallel', 'no', '--simple', 'yes']);
    expect(unused.code).toBe(0);
    expect(unused.stdout).toMatch(/^Recommended: python-threading/);
    expect(unused.stderr).toBe('warning: ignored --simple yes: this path asks only --cpu-bound, --parallel\n');
    for (const { answers } of paths()) {
      const { code, stderr } = await run(['--recommend', ...flags(answers)]);
      expect(code).toBe(0);
      expect(stderr, answerFlags(answers)).toBe('');
    }
  });

  // Every question the tree can leave open, reached by the answers that lead to it.
  const openings = paths().flatMap(({ answers }) => {
    const asked = questions.filter((question) => answers[question.id] !== undefined);
    return asked.map((_, count) => {
      const given: Answers = {
        language: answers.language,
        ...Object.fromEntries(asked.slice(0, count).map((question) => [question.id, answers[question.id]])),
      };
      return { given, open: walk(given) };
    });
  });
  const unique = [...new Map(openings.map((entry) => [answerFlags(entry.given), entry])).values()];

  it.each(unique.map((entry) => ({ ...entry, label: answerFlags(entry.given) || 'no answers' })))(
    'a question left open is an error naming its flag: $label',
    async ({ given, open }) => {
      if (!('open' in open)) throw new Error('expected an open question');
      const flag = `--${open.open}`;
      await expectRefused(['--recommend', ...flags(given)], new RegExp(`^error: missing ${flag}\\b`), `${flag} yes`);
      await expectRefused(['--recommend', '--json', ...flags(given)], `missing ${flag}`, `${flag} yes`);
    },
  );

  it('--language with a value it does not know', async () => {
    await expectRefused(
      ['--recommend', '--language', 'pyhton'],
      '--language takes python, go, typescript or any, not "pyhton"',
      'did you mean --language python?',
    );
    await expectRefused(['--language', 'go'], '--language only works with --recommend');
  });

  // The review's case: a Python asyncio service computing on every core was told to use Node.
  it('keeps the language given, and without one walks the language-free tree', async () => {
    const computeNextToAsync = ['--cpu-bound', 'yes', '--parallel', 'yes', '--existing-async', 'yes'];
    const target = async (argv: string[]) => JSON.parse((await run(['--recommend', '--json', ...argv])).stdout).target;
    expect(await target(['--language', 'python', '--cpu-bound', 'yes', '--parallel', 'yes'])).toBe(
      'python-multiprocessing',
    );
    expect(await target(computeNextToAsync)).toBe('typescript');
    const { code, stdout, stderr } = await run(['--recommend', '--language', 'python', ...computeNextToAsync]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^Recommended: python-multiprocessing /);
    expect(stdout).toContain('answers: --language python --cpu-bound yes --parallel yes');
    expect(stderr).toBe('warning: ignored --existing-async yes: this path asks only --cpu-bound, --parallel\n');
  });

  it('asks nothing more for go or typescript, and says the answers given were ignored', async () => {
    for (const language of ['go', 'typescript']) {
      const { code, stdout, stderr } = await run(['--recommend', '--language', language, '--cpu-bound', 'yes']);
      expect(code, stderr).toBe(0);
      expect(stdout).toMatch(new RegExp(`^Recommended: ${language} `));
      expect(stderr).toBe(`warning: ignored --cpu-bound yes: --language ${language} asks nothing more\n`);
    }
  });

  it('says how to generate the recommendation with the generation options given, and writes nothing', async () => {
    const { code, stdout } = await run([
      'svc',
      '--recommend',
      '-p',
      'timeout',
      '--cpu-bound',
      'no',
      '--existing-async',
      'yes',
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain('To generate it: npx create-concur-pattern svc --pattern timeout --target python-asyncio');
    expect(await fs.readdir(workDir)).toEqual([]);
  });

  it('names the questions that may follow the open one', async () => {
    await expectRefused(
      ['--recommend'],
      'missing --cpu-bound (then, depending on the answers, --parallel, --existing-async, --simple)',
    );
  });

  it('with --yes generates the recommended target with the documented defaults', async () => {
    const { code, stdout, stderr } = await run([
      '--recommend',
      '--yes',
      '--cpu-bound',
      'no',
      '--existing-async',
      'no',
      '--simple',
      'no',
    ]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^Recommended: go /);
    expect(stdout).toContain('Created worker-pool-go');
    expect(await fs.readdir(path.join(workDir, 'worker-pool-go'))).toContain('go.mod');
  });

  it('with --yes and the generation flags, generates into the given directory', async () => {
    const argv = ['svc', '--recommend', '--yes', '-p', 'timeout', '--cpu-bound', 'yes', '--parallel', 'no'];
    const { code, stderr } = await run(argv);
    expect(code, stderr).toBe(0);
    expect(await fs.readdir(path.join(workDir, 'svc'))).toContain('pyproject.toml');
  });
});

describe('--recommend: bad input is refused before anything is asked or written', () => {
  for (const question of questions) {
    it(`${question.flag} with a value other than yes or no`, async () => {
      await expectRefused(
        ['--recommend', question.flag, 'maybe'],
        `${question.flag} takes yes or no, not "maybe"`,
        question.prompt,
      );
    });
    it(`${question.flag} without --recommend`, async () => {
      await expectRefused(
        ['-p', 'timeout', question.flag, 'yes'],
        `${question.flag} only works with --recommend`,
        '--recommend',
      );
    });
  }

  it('a near miss gets a "did you mean"', async () => {
    await expectRefused(['--recommend', '--simple', 'ye'], 'takes yes or no', 'did you mean --simple yes?');
  });

  it('an answer flag without a value', async () => {
    await expectRefused(['--recommend', '--parallel'], '--parallel needs a value');
  });

  it('--json without --recommend', async () => {
    await expectRefused(['--json'], '--json only works with --recommend');
  });

  it('--target with --recommend', async () => {
    await expectRefused(
      ['--recommend', '-t', 'go', '--cpu-bound', 'no'],
      '--target cannot be given with it',
      'drop --target',
    );
  });

  it('--json with options that would generate', async () => {
    for (const extra of [
      ['svc'],
      ['--yes'],
      ['-p', 'timeout'],
      ['--name', 'x'],
      ['--force'],
      ['--dry-run'],
      ['--git'],
      ['--broker', 'redis'],
    ]) {
      await expectRefused(
        ['--recommend', '--json', '--cpu-bound', 'no', '--existing-async', 'yes', ...extra],
        'only prints the recommendation',
      );
    }
  });

  it('a bad generation option, before the tree is walked', async () => {
    await expectRefused(
      ['--recommend', '-p', 'worker-poll'],
      'unknown pattern "worker-poll"',
      'did you mean "worker-pool"?',
    );
    await fs.writeFile(path.join(workDir, 'taken'), '');
    const { code, stderr } = await run(['taken', '--recommend', '--cpu-bound', 'no', '--existing-async', 'yes']);
    expect(code).toBe(2);
    expect(stderr).toContain('is a file');
  });
});

describe('--help and --list', () => {
  it('--help documents --recommend, each answer flag with its question, and --json', async () => {
    const { stdout } = await run(['--help']);
    expect(stdout).toContain('--recommend');
    expect(stdout).toContain('--json');
    for (const question of questions) {
      expect(stdout).toContain(`${question.flag} yes|no`);
      expect(stdout).toContain(question.prompt);
    }
  });

  it('--list is the catalogue alone', async () => {
    const { stdout } = await run(['--list']);
    expect(stdout).not.toMatch(/recommend/i);
    for (const line of stdout.trim().split('\n')) {
      expect(patterns.some((pattern) => line.startsWith(`${pattern.id} `))).toBe(true);
    }
  });
});

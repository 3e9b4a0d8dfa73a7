// --recommend through the packed and installed bin: the questions and the
// offer on a real terminal (a pty), and the flags without one.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { findQuestion, languageQuestion, paths } from '../../src/decision-tree.js';

const cliBin = inject('cliBin');
let workDir: string;

beforeEach(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ccp-recommend-cli-'));
});
afterEach(async () => {
  await fs.rm(workDir, { recursive: true, force: true });
});

const driver = path.join(import.meta.dirname, 'pty-driver.py');
async function session(args: string[], steps: Array<{ expect: string; send: string }>) {
  const request = { command: [cliBin, ...args], cwd: workDir, steps, timeout: 40 };
  const { stdout } = await execa('python3', [driver, JSON.stringify(request)]);
  const result = JSON.parse(stdout) as { exit: number | null; screen: string };
  return { ...result, shown: result.screen.replaceAll(/\x1b\[[0-9;?]*[A-Za-z]/g, '') };
}
const down = '\u001b[B';
const enter = '\r';
const prompt = (id: Parameters<typeof findQuestion>[0]) => findQuestion(id).prompt;

describe('--recommend in a terminal', () => {
  it('asks the language first, then the questions on the path, recommends, and on "yes" generates it, asking pattern and name', async () => {
    const result = await session(
      ['--recommend'],
      [
        { expect: languageQuestion.prompt, send: enter }, // python
        { expect: prompt('cpu-bound'), send: down + enter }, // no
        { expect: prompt('existing-async'), send: enter }, // yes
        { expect: 'Generate a python-asyncio project now?', send: 'y' + enter },
        { expect: 'Which concurrency pattern?', send: enter }, // fan-out
        { expect: 'Project name', send: 'svc' + enter },
      ],
    );
    expect(result.exit, result.shown).toBe(0);
    expect(result.shown).toMatch(new RegExp(`${prompt('cpu-bound').replace(/[()?]/g, '\\$&')} no\\s*$`, 'm'));
    expect(result.shown).not.toContain(prompt('parallel'));
    expect(result.shown).not.toContain(prompt('simple'));
    expect(result.shown).toContain('Recommended: python-asyncio');
    expect(result.shown.indexOf(languageQuestion.prompt)).toBeGreaterThanOrEqual(0);
    expect(result.shown.indexOf(languageQuestion.prompt)).toBeLessThan(result.shown.indexOf(prompt('cpu-bound')));
    expect(result.shown).toContain('answers: --language python --cpu-bound no --existing-async yes');
    expect(result.shown).toContain('Created svc: Fan-out / fan-in in Python asyncio');
    expect(await fs.readdir(path.join(workDir, 'svc'))).toContain('pyproject.toml');
  });

  it('does not ask what flags answered, and on "no" writes nothing', async () => {
    const result = await session(
      ['--recommend', '--language', 'any', '--cpu-bound', 'yes', '--parallel', 'yes', '--existing-async', 'no'],
      [
        { expect: prompt('simple'), send: down + enter }, // no
        { expect: 'Generate a go project now?', send: 'n' + enter },
      ],
    );
    expect(result.exit, result.shown).toBe(0);
    expect(result.shown).not.toContain(languageQuestion.prompt);
    expect(result.shown).not.toContain(prompt('cpu-bound'));
    expect(result.shown).toContain('Recommended: go');
    expect(result.shown).toContain('Nothing written');
    expect(result.shown).not.toContain('Which concurrency pattern?');
    expect(await fs.readdir(workDir)).toEqual([]);
  });

  it('goes on with the generation flags given, and asks only what they leave out', async () => {
    const result = await session(
      ['svc', '--recommend', '-p', 'timeout', '--language', 'python', '--cpu-bound', 'yes', '--parallel', 'no'],
      [{ expect: 'Generate a python-threading project now?', send: enter }],
    );
    expect(result.exit, result.shown).toBe(0);
    expect(result.shown).not.toContain('Which concurrency pattern?');
    expect(result.shown).not.toContain('Project name');
    expect(result.shown).toContain('Created svc: Timeout in Python threading');
  });

  it('Ctrl-C at a question exits 130 and writes nothing', async () => {
    const result = await session(['--recommend'], [{ expect: languageQuestion.prompt, send: '\u0003' }]);
    expect(result.exit, result.shown).toBe(130);
    expect(await fs.readdir(workDir)).toEqual([]);
  });
});

describe('--recommend without a terminal', () => {
  const cli = (args: string[]) => execa(cliBin, args, { cwd: workDir, reject: false, stdin: 'ignore' });

  it('--json prints the one object the flags lead to', async () => {
    const { leaf } = paths().find(({ leaf, answers }) => leaf.target === 'typescript' && answers.language === 'any')!;
    const { exitCode, stdout, stderr } = await cli([
      '--recommend',
      '--json',
      '--cpu-bound',
      'yes',
      '--parallel',
      'yes',
      '--existing-async',
      'yes',
    ]);
    expect(exitCode, stderr).toBe(0);
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toEqual({ target: 'typescript', reason: leaf.reason, alternatives: leaf.alternatives });
  });

  it('a question left open on the path is an error naming its flag', async () => {
    const { exitCode, stdout, stderr } = await cli(['--recommend', '--cpu-bound', 'no']);
    expect(exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^error: missing --existing-async \(then, depending on the answers, --simple\)/);
    expect(stderr).toContain('input is not a terminal');
    expect(await fs.readdir(workDir)).toEqual([]);
  });
});

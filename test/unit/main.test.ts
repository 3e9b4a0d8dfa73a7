// The command line in-process: main(argv, io) with a fake io, for every bad
// input (SPEC §2). Each is refused before anything would load Yeoman or
// render, so the whole file runs in milliseconds; test/cli runs the packed bin.

import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { targets, type LanguageId } from '../../src/catalogue.js';
import { badInvocations, prepareFor } from '../bad-invocations.js';
import { runMain } from '../in-process.js';

let workDir: string;
beforeEach(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ccp-main-'));
});
afterEach(async () => {
  await fs.rm(workDir, { recursive: true, force: true });
});

/** main() without a terminal, in this test's folder. */
const run = (argv: string[]) => runMain(argv, { cwd: workDir });

async function listTree(root: string): Promise<string[]> {
  const entries = await fs.readdir(root, { recursive: true });
  return entries.sort();
}

/** Exit 2, nothing on stdout, one error line and one hint line on stderr, nothing written. */
async function expectRefused(argv: string[], fragments: { error: string; hint?: string }): Promise<void> {
  const before = await listTree(workDir);
  const { code, stdout, stderr } = await run(argv);
  expect(code, stderr).toBe(2);
  expect(stdout).toBe('');
  const [errorLine, hintLine, ...rest] = stderr.split('\n');
  expect(errorLine).toMatch(/^error: /);
  expect(errorLine).toContain(fragments.error);
  expect(hintLine).toMatch(/^hint: \S/);
  if (fragments.hint) expect(hintLine).toContain(fragments.hint);
  expect(rest).toEqual(['']);
  expect(await listTree(workDir)).toEqual(before);
}

describe('bad invocations: one-line error, a hint, exit 2, nothing written', () => {
  for (const bad of badInvocations) {
    it(bad.why, async () => {
      await prepareFor(bad, workDir);
      await expectRefused(bad.args, bad);
    });
  }
});

interface BadName {
  name: string;
  language: LanguageId | 'any';
  reason: string;
}

const badNames = (
  JSON.parse(readFileSync(new URL('../../fixtures/bad-names.json', import.meta.url), 'utf8')) as { cases: BadName[] }
).cases;
/** One target per language is enough: the name rules are per language. */
const targetOf = (language: LanguageId) => targets.find((target) => target.language === language)!.id;
const languages: LanguageId[] = ['go', 'python', 'typescript'];

describe('bad names from fixtures/bad-names.json, as --name and as the directory', () => {
  for (const bad of badNames) {
    for (const language of bad.language === 'any' ? languages : [bad.language]) {
      const target = targetOf(language);
      it(`${JSON.stringify(bad.name)} for ${target}`, async () => {
        // --name=<name>, as a name that starts with '-' must be written.
        await expectRefused(['x', `--name=${bad.name}`, '-p', 'timeout', '-t', target], { error: bad.reason });
        // As a directory, a name with a path separator is a path: only its last part is the name.
        if (bad.name.trim() !== '' && bad.name !== '..' && !/[/\\]/.test(bad.name) && !bad.name.startsWith('-')) {
          await expectRefused([bad.name, '-p', 'timeout', '-t', target], { error: bad.reason });
        }
      });
    }
  }
});

interface BadFlags {
  usageErrors: Array<{ name: string; args: string[] }>;
}

describe("the generated programs' bad flags (fixtures/bad-flags.json) are not the scaffolder's either", () => {
  const { usageErrors } = JSON.parse(
    readFileSync(new URL('../../fixtures/bad-flags.json', import.meta.url), 'utf8'),
  ) as BadFlags;
  for (const bad of usageErrors) {
    it(bad.name, async () => {
      await expectRefused(['x', '-p', 'timeout', '-t', 'go', ...bad.args], { error: '' });
    });
  }
});

describe('commands that only print', () => {
  it('--help, --list and --version write to stdout and exit 0', async () => {
    for (const argv of [['--help'], ['--list'], ['--version']]) {
      const { code, stdout, stderr } = await run(argv);
      expect(code).toBe(0);
      expect(stderr).toBe('');
      expect(stdout.length).toBeGreaterThan(0);
    }
    expect(await listTree(workDir)).toEqual([]);
  });
});

// The command line in-process: main(argv, io) with a fake io, for every bad
// input (SPEC §2). Each is refused before anything would load Yeoman or
// render, so the whole file runs in milliseconds; test/cli runs the packed bin.

import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { targets, type LanguageId } from '../../src/catalogue.js';
import { main, type Io } from '../../src/cli.js';

let workDir: string;
beforeEach(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ccp-main-'));
});
afterEach(async () => {
  await fs.rm(workDir, { recursive: true, force: true });
});

class Captured extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** Runs main() without a terminal; stdin must never be read. */
async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Captured();
  const stderr = new Captured();
  const io: Io = {
    stdin: process.stdin,
    stdout,
    stderr,
    interactive: false,
    cwd: workDir,
    env: {},
    signal: new AbortController().signal,
  };
  const code = await main(argv, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

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

interface BadInvocation {
  why: string;
  args: string[];
  /** Fragments the one-line error and its hint must contain. */
  error: string;
  hint?: string;
  /** Set up before running: "file" makes <path> a file, "non-empty" puts a file in it. */
  prepare?: { path: string; as: 'file' | 'non-empty' };
}

const badInvocations: BadInvocation[] = [
  {
    why: 'unknown pattern',
    args: ['a', '-p', 'worker-poll', '-t', 'go'],
    error: 'unknown pattern "worker-poll"',
    hint: 'did you mean "worker-pool"?',
  },
  {
    why: 'unknown target',
    args: ['a', '-p', 'timeout', '-t', 'pyton-asyncio'],
    error: 'unknown target',
    hint: 'did you mean "python-asyncio"?',
  },
  {
    why: 'ambiguous target',
    args: ['a', '-p', 'timeout', '-t', 'python'],
    error: 'unknown target "python"',
    hint: 'python-asyncio, python-threading, python-multiprocessing',
  },
  { why: 'unknown pattern with --yes', args: ['--yes', '-p', 'nope'], error: 'unknown pattern "nope"' },
  {
    why: 'unknown flag',
    args: ['a', '--patern', 'timeout'],
    error: 'unknown option --patern',
    hint: 'did you mean --pattern?',
  },
  { why: 'unknown short flag', args: ['a', '-x'], error: 'unknown option -x' },
  { why: 'flag without value', args: ['a', '--target'], error: '--target needs a value' },
  { why: 'value that looks like a flag', args: ['a', '--name', '-y'], error: '--name needs a value', hint: '--name=' },
  { why: 'value given to a switch', args: ['a', '--force=yes'], error: '--force does not take a value' },
  { why: 'two directories', args: ['a', 'b', '--yes'], error: 'at most one directory' },
  {
    why: 'name shadowing a stdlib module',
    args: ['asyncio', '-p', 'timeout', '-t', 'python-asyncio'],
    error: 'standard-library module "asyncio"',
    hint: 'did you mean',
  },
  { why: 'name shadowing Go', args: ['x', '--name', 'internal', '-p', 'timeout', '-t', 'go'], error: 'shadow' },
  {
    why: 'name shadowing a Node built-in',
    args: ['x', '--name', 'fs', '-p', 'timeout', '-t', 'typescript'],
    error: 'Node.js built-in',
  },
  {
    why: 'directory whose name no language accepts, before the target is known',
    args: ['My App'],
    error: 'whitespace',
  },
  { why: 'name with a quote', args: ['x', '--name', "it's", '--yes'], error: `contains "'"` },
  { why: 'name with EJS', args: ['x', '--name', 'a<%=b', '--yes'], error: "contains '<%'" },
  { why: 'name with a path', args: ['x', '--name', '../up', '--yes'], error: 'path separator' },
  {
    why: 'directory that is a file',
    args: ['taken', '--yes'],
    error: 'is a file',
    prepare: { path: 'taken', as: 'file' },
  },
  {
    why: 'non-empty directory',
    args: ['busy', '--yes'],
    error: 'is not empty',
    hint: '--force',
    prepare: { path: 'busy', as: 'non-empty' },
  },
  { why: 'missing options without a terminal', args: ['a'], error: 'missing --pattern, --target', hint: '--yes' },
  { why: 'missing target without a terminal', args: ['a', '-p', 'timeout'], error: 'missing --target' },
  { why: 'nothing at all without a terminal', args: [], error: 'missing --pattern, --target, --name' },
];

describe('bad invocations: one-line error, a hint, exit 2, nothing written', () => {
  for (const bad of badInvocations) {
    it(bad.why, async () => {
      if (bad.prepare?.as === 'file') await fs.writeFile(path.join(workDir, bad.prepare.path), 'x');
      if (bad.prepare?.as === 'non-empty') {
        await fs.mkdir(path.join(workDir, bad.prepare.path));
        await fs.writeFile(path.join(workDir, bad.prepare.path, 'keep.txt'), 'x');
      }
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

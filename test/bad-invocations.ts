// The bad invocations both suites refuse: test/unit/main.test.ts runs every
// one in-process, test/cli/cli.test.ts a few through the installed bin.
import fs from 'node:fs/promises';
import path from 'node:path';

export interface BadInvocation {
  why: string;
  args: string[];
  /** Fragments the one-line error and its hint must contain. */
  error: string;
  hint?: string;
  /** Set up before running: "file" makes <path> a file, "non-empty" puts a file in it. */
  prepare?: { path: string; as: 'file' | 'non-empty' };
}

export const badInvocations: BadInvocation[] = [
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
  {
    why: 'unknown broker',
    args: ['a', '-p', 'worker-pool', '-t', 'go', '--broker', 'rediss'],
    error: 'unknown broker "rediss"',
    hint: 'did you mean "redis"?',
  },
  {
    why: 'broker with a pattern it does not carry',
    args: ['a', '-p', 'fan-out', '-t', 'go', '--broker', 'redis'],
    error: '--broker redis does not apply to fan-out',
    hint: 'producer-consumer, worker-pool, graceful-stop',
  },
  {
    why: 'broker with timeout, by alias',
    args: ['a', '-p', 'deadline', '-t', 'go', '--broker', 'redis'],
    error: '--broker redis does not apply to timeout',
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
  {
    why: 'unknown target in a list',
    args: ['a', '-p', 'timeout', '-t', 'go,pyton-asyncio'],
    error: 'unknown target "pyton-asyncio"',
    hint: 'did you mean "python-asyncio"?',
  },
  {
    why: 'target listed twice, once by an alias',
    args: ['a', '-p', 'timeout', '-t', 'go,typescript,golang'],
    error: 'target go is listed twice (golang is go)',
  },
  { why: 'empty item in a target list', args: ['a', '-p', 'timeout', '-t', 'go,'], error: 'has an empty item' },
  { why: 'all inside a target list', args: ['a', '-p', 'timeout', '-t', 'all,go'], error: 'cannot be part of a list' },
  {
    why: 'name one language of a target list refuses',
    args: ['asyncio', '-p', 'timeout', '-t', 'go,python-asyncio'],
    error: 'standard-library module "asyncio"',
  },
  {
    why: 'non-empty directory for --target all',
    args: ['full', '-p', 'timeout', '-t', 'all'],
    error: 'is not empty',
    hint: '--force',
    prepare: { path: 'full', as: 'non-empty' },
  },
  { why: 'missing pattern for a target list without a terminal', args: ['a', '-t', 'all'], error: 'missing --pattern' },
  { why: 'missing options without a terminal', args: ['a'], error: 'missing --pattern, --target', hint: '--yes' },
  { why: 'missing target without a terminal', args: ['a', '-p', 'timeout'], error: 'missing --target' },
  { why: 'nothing at all without a terminal', args: [], error: 'missing --pattern, --target, --name' },
];

/** Makes what `bad.prepare` asks for inside `workDir`. */
export async function prepareFor(bad: BadInvocation, workDir: string): Promise<void> {
  if (bad.prepare?.as === 'file') await fs.writeFile(path.join(workDir, bad.prepare.path), 'x');
  if (bad.prepare?.as === 'non-empty') {
    await fs.mkdir(path.join(workDir, bad.prepare.path));
    await fs.writeFile(path.join(workDir, bad.prepare.path, 'keep.txt'), 'x');
  }
}

// `--target all` end to end: for every pattern, the installed bin writes one
// folder per target plus the comparison files, and the one command it
// writes for that (`sh run-tests`) runs every folder's tests and prints one
// line per target. The matrix (matrix.ts) already judges each project on its
// own, and test/unit/comparison.test.ts proves each folder is that very
// project byte for byte; this is the user's path through the comparison.
//
// Cost: the TypeScript folders share one node_modules, installed once
// through --install, as the matrix shares its own; Go's build cache and the
// Python tools' venv are shared by every run anyway. The patterns run one
// after the other: run at once, they load a 2-core machine enough to fail
// generated tests that depend on timing (a multiprocessing test with a 2 s
// timer, the TypeScript pool's early-exit test). On a shared 2-core machine
// (load 10) the file took 5.5 to 6 minutes, 37 to 85 s per pattern.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { patterns, targets } from '../../src/catalogue.js';

const root = path.join(os.tmpdir(), `ccp-all-targets-${process.pid}`);
const runTimeoutMs = 600_000;

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function generate(patternId: string, install: boolean): Promise<string> {
  const parent = path.join(root, patternId);
  await fs.mkdir(parent, { recursive: true });
  const name = `all-${patternId}`;
  const args = [name, '--pattern', patternId, '--target', 'all', install ? '--install' : '--no-install'];
  const generated = await execa(inject('cliBin'), args, { cwd: parent, all: true, reject: false });
  expect(generated.exitCode, generated.all).toBe(0);
  return path.join(parent, name);
}

describe('--target all, every folder tested through run-tests', () => {
  const directories = new Map<string, string>();
  beforeAll(async () => {
    // One npm install for every TypeScript folder: the first through --install, linked into the rest.
    let sharedModules: string | undefined;
    for (const pattern of patterns) {
      const directory = await generate(pattern.id, sharedModules === undefined);
      const modules = path.join(directory, 'typescript', 'node_modules');
      if (sharedModules) await fs.symlink(sharedModules, modules, 'dir');
      else sharedModules = modules;
      directories.set(pattern.id, directory);
    }
  }, 600_000);

  for (const pattern of patterns) {
    it(
      pattern.id,
      async () => {
        const directory = directories.get(pattern.id)!;
        const started = performance.now();
        const result = await execa('sh', ['run-tests'], {
          cwd: directory,
          all: true,
          reject: false,
          timeout: runTimeoutMs,
        });
        const seconds = ((performance.now() - started) / 1000).toFixed(0);
        const lines = result.stdout.trim().split('\n');
        const failed = lines.filter((line) => !line.startsWith('ok '));
        const logs = await Promise.all(
          failed.map(async (line) => {
            const folder = line.split(/\s+/)[1]!;
            return `${line}\n${await fs.readFile(path.join(directory, '.test-logs', `${folder}.log`), 'utf8').catch(() => '')}`;
          }),
        );
        expect(failed, `${result.all}\n${logs.join('\n')}`).toEqual([]);
        expect(lines.map((line) => line.split(/\s+/)[1])).toEqual(targets.map((target) => target.id));
        expect(result.exitCode).toBe(0);
        console.info(`--target all ${pattern.id}: run-tests took ${seconds} s`);
      },
      runTimeoutMs + 60_000,
    );
  }
});

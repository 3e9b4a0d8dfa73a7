// Global setup for the integration tests: pack the package and install the
// tarball into an empty folder, exactly as a user's `npm create` does, so
// that every CLI and end-to-end test runs the bin that users get.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The installed create-concur-pattern bin. */
    cliBin: string;
    /** The folder it was installed into (has node_modules/create-concur-pattern). */
    installDir: string;
  }
}

const repoRoot = path.resolve(import.meta.dirname, '..', '..');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ccp-packed-'));
  const { stdout } = await execa('npm', ['pack', '--silent', '--pack-destination', workDir], { cwd: repoRoot });
  const tarball = path.join(workDir, stdout.trim().split('\n').at(-1)!);
  const installDir = path.join(workDir, 'user');
  await fs.mkdir(installDir);
  await fs.writeFile(path.join(installDir, 'package.json'), '{ "private": true }\n');
  await execa('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: installDir });
  project.provide('cliBin', path.join(installDir, 'node_modules', '.bin', 'create-concur-pattern'));
  project.provide('installDir', installDir);
  return async () => {
    await fs.rm(workDir, { recursive: true, force: true });
  };
}

// Writes a rendered project so that a failure never leaves half of it behind.
// A new directory is built beside its destination and renamed into place in
// one step; writing into an existing directory (empty, or --force) keeps a
// journal of what it created and replaced, and undoes it on failure.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from './errors.js';
import type { ProjectFile } from './project.js';

export type DirectoryState = 'missing' | 'empty' | 'not-empty' | 'file';

/** A directory holding nothing but a .git folder counts as empty. */
export async function directoryState(directory: string): Promise<DirectoryState> {
  let stat;
  try {
    stat = await fs.stat(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  if (!stat.isDirectory()) return 'file';
  const entries = await fs.readdir(directory);
  return entries.every((entry) => entry === '.git') ? 'empty' : 'not-empty';
}

/** Why `directory` cannot receive a project, or undefined if it can. */
export async function directoryProblem(directory: string, force: boolean): Promise<UsageError | undefined> {
  const state = await directoryState(directory);
  if (state === 'file') {
    return new UsageError(`${directory} is a file, not a directory`, 'choose another directory or name');
  }
  if (state === 'not-empty' && !force) {
    return new UsageError(
      `${directory} is not empty`,
      'choose another directory, or pass --force to write into it (files with the same names are replaced)',
    );
  }
  return undefined;
}

async function writeFiles(root: string, files: readonly ProjectFile[], signal: AbortSignal): Promise<void> {
  for (const file of files) {
    signal.throwIfAborted();
    const destination = path.join(root, ...file.path.split('/'));
    await fs.mkdir(path.dirname(destination), { recursive: true });
    await fs.writeFile(destination, file.contents);
  }
}

async function writeNewDirectory(directory: string, files: readonly ProjectFile[], signal: AbortSignal): Promise<void> {
  const parent = path.dirname(directory);
  await fs.mkdir(parent, { recursive: true });
  const staging = path.join(parent, `.${path.basename(directory)}.${randomBytes(4).toString('hex')}.partial`);
  try {
    await fs.mkdir(staging);
    await writeFiles(staging, files, signal);
    signal.throwIfAborted();
    await fs.rename(staging, directory);
  } catch (error) {
    await fs.rm(staging, { recursive: true, force: true });
    throw error;
  }
}

async function writeIntoExistingDirectory(
  directory: string,
  files: readonly ProjectFile[],
  signal: AbortSignal,
): Promise<void> {
  const created: string[] = [];
  const replaced = new Map<string, Buffer>();
  try {
    for (const file of files) {
      signal.throwIfAborted();
      const destination = path.join(directory, ...file.path.split('/'));
      const firstCreatedDirectory = await fs.mkdir(path.dirname(destination), { recursive: true });
      if (firstCreatedDirectory) created.push(firstCreatedDirectory);
      const previous = await fs.readFile(destination).catch(() => undefined);
      if (previous) replaced.set(destination, previous);
      else created.push(destination);
      await fs.writeFile(destination, file.contents);
    }
  } catch (error) {
    for (const [file, contents] of replaced) await fs.writeFile(file, contents).catch(() => {});
    for (const entry of created.toReversed()) await fs.rm(entry, { recursive: true, force: true });
    throw error;
  }
}

/** Writes every file under `directory`, or none of them (also when `signal` aborts half-way). */
export async function writeProject(
  directory: string,
  files: readonly ProjectFile[],
  signal: AbortSignal,
): Promise<void> {
  if ((await directoryState(directory)) === 'missing') await writeNewDirectory(directory, files, signal);
  else await writeIntoExistingDirectory(directory, files, signal);
}

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { directoryState, writeProject } from '../../src/write.js';

let root: string;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'ccp-write-'));
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const never = new AbortController().signal;
const files = [
  { path: 'README.md', contents: '# app\n' },
  { path: 'pkg/main.go', contents: 'package main\n' },
];

it('writes a new directory in one step', async () => {
  await writeProject(path.join(root, 'app'), files, never);
  expect(await fs.readFile(path.join(root, 'app', 'pkg', 'main.go'), 'utf8')).toBe('package main\n');
  expect(await fs.readdir(root)).toEqual(['app']);
});

it('leaves nothing behind when a new directory fails half-way', async () => {
  const clash = [...files, { path: 'README.md/inner', contents: 'cannot be under a file' }];
  await expect(writeProject(path.join(root, 'app'), clash, never)).rejects.toThrow();
  expect(await fs.readdir(root)).toEqual([]);
});

it('leaves nothing behind when aborted', async () => {
  const controller = new AbortController();
  controller.abort();
  await expect(writeProject(path.join(root, 'app'), files, controller.signal)).rejects.toThrow();
  expect(await fs.readdir(root)).toEqual([]);
});

it('restores an existing directory when writing into it fails half-way', async () => {
  const existing = path.join(root, 'app');
  await fs.mkdir(existing);
  await fs.writeFile(path.join(existing, 'README.md'), 'mine\n');
  const clash = [...files, { path: 'README.md/inner', contents: 'x' }];
  await expect(writeProject(existing, clash, never)).rejects.toThrow();
  expect(await fs.readdir(existing)).toEqual(['README.md']);
  expect(await fs.readFile(path.join(existing, 'README.md'), 'utf8')).toBe('mine\n');
});

it('tells missing, empty, non-empty and file apart; a lone .git counts as empty', async () => {
  expect(await directoryState(path.join(root, 'nope'))).toBe('missing');
  await fs.mkdir(path.join(root, 'repo', '.git'), { recursive: true });
  expect(await directoryState(path.join(root, 'repo'))).toBe('empty');
  await fs.writeFile(path.join(root, 'repo', 'x'), '');
  expect(await directoryState(path.join(root, 'repo'))).toBe('not-empty');
  expect(await directoryState(path.join(root, 'repo', 'x'))).toBe('file');
});

// What `npm install ./create-concur-pattern-*.tgz` gives a user: one
// package, with no dependencies, holding the bin, one bundled program and
// every template, and nothing else.
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect, inject, it } from 'vitest';
import { combinations } from '../../src/catalogue.js';

const installDir = inject('installDir');
const installed = path.join(installDir, 'node_modules', 'create-concur-pattern');

it('installs as one package with no dependencies', async () => {
  const manifest = JSON.parse(await fs.readFile(path.join(installed, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  expect(manifest.dependencies).toBeUndefined();
  expect(manifest.optionalDependencies).toBeUndefined();
  expect(manifest.peerDependencies).toBeUndefined();
  const entries = await fs.readdir(path.join(installDir, 'node_modules'));
  expect(entries.filter((entry) => !entry.startsWith('.'))).toEqual(['create-concur-pattern']);
});

it('ships the bin, one bundled program and a template folder for every combination', async () => {
  const top = (await fs.readdir(installed)).sort();
  expect(top).toEqual(['README.md', 'bin', 'dist', 'docs', 'package.json', 'templates']);
  expect((await fs.readdir(path.join(installed, 'dist'))).sort()).toEqual(['cli.js', 'cli.js.LEGAL.txt']);
  for (const { pattern, target } of combinations()) {
    const folder = path.join(installed, 'templates', target.id, pattern.id);
    expect((await fs.stat(folder)).isDirectory(), folder).toBe(true);
  }
});

it('ships no sources, tests, caches or build leftovers', async () => {
  const entries = await fs.readdir(installed, { recursive: true });
  const unwanted = entries.filter((entry) =>
    /(^|\/)(__pycache__|\.ruff_cache|\.mypy_cache|\.pytest_cache|node_modules)(\/|$)|\.tsbuildinfo$|\.map$/.test(
      entry.split(path.sep).join('/'),
    ),
  );
  expect(unwanted).toEqual([]);
  expect(entries.filter((entry) => entry.endsWith('.ts') && !entry.startsWith(`templates${path.sep}`))).toEqual([]);
});

it('keeps the template dotfiles npm would drop under their template names', async () => {
  const gitignore = path.join(installed, 'templates', 'typescript', '_shared', '_gitignore');
  expect((await fs.stat(gitignore)).isFile()).toBe(true);
});

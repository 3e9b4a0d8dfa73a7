// What `npm install ./create-concur-pattern-*.tgz` gives a user: the bin,
// the compiled code and every template, and nothing else.
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect, inject, it } from 'vitest';
import { combinations } from '../../src/catalogue.js';

const installed = path.join(inject('installDir'), 'node_modules', 'create-concur-pattern');

it('ships the bin, the compiled code and a template folder for every combination', async () => {
  const top = (await fs.readdir(installed)).sort();
  expect(top).toEqual(['README.md', 'bin', 'dist', 'docs', 'package.json', 'templates']);
  for (const { pattern, target } of combinations()) {
    await expect(fs.stat(path.join(installed, 'templates', target.id, pattern.id))).resolves.toBeTruthy();
  }
});

it('ships no sources, tests, caches or build leftovers', async () => {
  const entries = await fs.readdir(installed, { recursive: true });
  const unwanted = entries.filter((entry) =>
    /(^|\/)(__pycache__|\.ruff_cache|\.mypy_cache|\.pytest_cache|node_modules)(\/|$)|\.tsbuildinfo$|^dist\/test\//.test(
      entry.split(path.sep).join('/'),
    ),
  );
  expect(unwanted).toEqual([]);
  expect(entries.filter((entry) => entry.endsWith('.ts') && !entry.startsWith(`templates${path.sep}`))).toEqual([]);
});

it('keeps the template dotfiles npm would drop under their template names', async () => {
  await expect(fs.stat(path.join(installed, 'templates', 'typescript', '_shared', '_gitignore'))).resolves.toBeTruthy();
});

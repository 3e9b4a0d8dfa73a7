// Rendering every combination in memory: what the generator writes, checked
// without running any toolchain (the end-to-end matrix does that).
import { describe, expect, it } from 'vitest';
import { combinations, pipRequirement, projectForms } from '../../src/catalogue.js';
import { checkName } from '../../src/names.js';
import * as prettier from 'prettier';
import fs from 'node:fs/promises';
import path from 'node:path';
import { alignTables, packageRoot, renderProject } from '../../src/project.js';

const manifests: Record<string, string> = { go: 'go.mod', python: 'pyproject.toml', typescript: 'package.json' };

describe.each(
  projectForms().map(({ pattern, target, broker }) => ({
    pattern,
    target,
    broker,
    label: `${pattern.id} on ${target.id}${broker ? ` --broker ${broker.id}` : ''}`,
  })),
)('rendering $label', ({ pattern, target, broker }) => {
  const name = 'my-app';
  const check = checkName(name, target.language);
  if (!check.ok) throw new Error(check.reason);
  const render = () => renderProject({ pattern, target, broker, name, packageName: check.packageName });

  it('writes a complete project with the name in its manifest', async () => {
    const files = await render();
    const paths = files.map((file) => file.path);
    expect(paths).toContain('README.md');
    expect(paths).toContain('.gitignore');
    expect(paths).toContain(manifests[target.language]);
    expect(files.find((file) => file.path === manifests[target.language])!.contents).toContain(name);
    if (target.language === 'python') expect(paths).toContain(`${check.packageName}/__main__.py`);
    for (const file of files) {
      expect(file.path, 'template-only names must not reach the project').not.toMatch(
        /(^|\/)(__package__|_readme\.md|_gitignore|_broker-)|\.ejs$/,
      );
      expect(file.contents, `${file.path} has an unrendered EJS tag`).not.toMatch(/<%|%>/);
      expect(file.contents.length, `${file.path} is empty`).toBeGreaterThan(0);
    }
  });

  it("carries its broker's client, pinned, and nothing of a broker without one", async () => {
    const files = await render();
    const manifest = files.find((file) => file.path === manifests[target.language])!.contents;
    const client = broker?.clients[target.language];
    if (client) {
      expect(manifest).toMatch(
        {
          go: `${client.name} ${client.version}`,
          python: `"${pipRequirement(client)}"`,
          typescript: `"${client.name}": "${client.version}"`,
        }[target.language],
      );
    }
    if (!broker) expect(manifest).not.toMatch(/redis/);
    if (target.language === 'go' && client) {
      const sums = files.find((file) => file.path === 'go.sum')!.contents;
      expect(sums).toContain(`${client.name} ${client.version} h1:`);
    }
  });

  it('writes a README that teaches the pattern and gives the commands', async () => {
    const files = await render();
    const readme = files.find((file) => file.path === 'README.md')!.contents;
    const headings = readme.split('\n').filter((line) => line.startsWith('## '));
    expect(headings).toEqual([
      '## Commands',
      '## What it is',
      '## How it works',
      '## Mistakes it avoids',
      '## Build your service from it',
      ...(broker
        ? [
            '## Run it on several machines',
            '## At least once: make the handler idempotent',
            '## Dead letters',
            '## When a job engine fits better',
          ]
        : []),
      '## The same pattern in other targets',
      "## The program's flags",
      '## Further reading',
    ]);
    expect(readme).toContain(`${target.title} (this project)`);
    expect(readme).not.toContain('{package}');
  });

  it('links shared docs that this package ships, at its own version', async () => {
    const files = await render();
    const readme = files.find((file) => file.path === 'README.md')!.contents;
    const manifest = JSON.parse(await fs.readFile(path.join(await packageRoot(), 'package.json'), 'utf8')) as {
      version: string;
      files: string[];
    };
    const links = [...readme.matchAll(/https:\/\/unpkg\.com\/create-concur-pattern(@[^/]+)?\/([^)\s]+)/g)];
    expect(links.length).toBeGreaterThan(0);
    for (const [, version, file] of links) {
      if (version !== undefined) expect(version).toBe(`@${manifest.version}`);
      expect(
        manifest.files.some((shipped) => file === shipped || file!.startsWith(`${shipped}/`)),
        file,
      ).toBe(true);
      await expect(fs.access(path.join(await packageRoot(), file!))).resolves.toBeUndefined();
    }
  });
});

// Nothing is formatted at generation time, so what prettier would change is a
// bug: TypeScript projects judge themselves with `prettier --check .`.
describe('generated files are prettier-clean as written', () => {
  const longName = 'a-project-name-that-is-long-enough-to-stretch-every-column-0123';
  const cases = combinations().flatMap(({ pattern, target }) =>
    [`${pattern.id}-${target.id}`, longName].map((name) => ({ pattern, target, name })),
  );
  it.each(cases)('$pattern.id on $target.id named $name', async ({ pattern, target, name }) => {
    const check = checkName(name, target.language);
    if (!check.ok) throw new Error(check.reason);
    const files = await renderProject({ pattern, target, name, packageName: check.packageName });
    const configFile = files.find((file) => file.path === '.prettierrc.json');
    const config = configFile ? (JSON.parse(configFile.contents) as prettier.Options) : {};
    // Every file of a TypeScript project; elsewhere the JSON files (no judge runs prettier on their READMEs).
    const judged = files.filter((file) => target.language === 'typescript' || file.path.endsWith('.json'));
    for (const file of judged) {
      const { inferredParser } = await prettier.getFileInfo(file.path);
      if (!inferredParser) continue;
      const formatted = await prettier.format(file.contents, { ...config, filepath: file.path });
      expect(file.contents, file.path).toBe(formatted);
    }
  });
});

describe('alignTables', () => {
  it('pads cells to the widest in each column, as prettier does, and leaves code blocks alone', async () => {
    const markdown = [
      'text',
      '',
      '| flag | meaning | n |',
      '| --- | :-: | --: |',
      '| `--work io\\|cpu` | work | 10 |',
      '| `-x` | a longer meaning | 2 |',
      '',
      '```',
      '| not | a table |',
      '| --- | --- |',
      '```',
    ].join('\n');
    const aligned = alignTables(markdown);
    expect(aligned).not.toBe(markdown);
    expect(aligned).toBe((await prettier.format(markdown, { parser: 'markdown' })).trimEnd());
  });
});

// A contributor who runs ruff or pytest inside templates/ leaves caches there.
it('leaves tool caches in templates/ out of the project', async () => {
  const cache = path.join(await packageRoot(), 'templates', 'python', '_shared', '.ruff_cache');
  await fs.mkdir(cache, { recursive: true });
  try {
    await fs.writeFile(path.join(cache, 'CACHEDIR.TAG'), 'Signature: 8a477f597d28d172789f06886806bc55\n');
    const { pattern, target } = combinations().find((entry) => entry.target.language === 'python')!;
    const files = await renderProject({ pattern, target, name: 'my-app', packageName: 'my_app' });
    expect(files.map((file) => file.path).filter((file) => file.includes('.ruff_cache'))).toEqual([]);
  } finally {
    await fs.rm(cache, { recursive: true, force: true });
  }
});

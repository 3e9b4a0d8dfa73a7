// Rendering every combination in memory: what the generator writes, checked
// without running any toolchain (the end-to-end matrix does that).
import { describe, expect, it } from 'vitest';
import { combinations } from '../../src/catalogue.js';
import { checkName } from '../../src/names.js';
import { renderProject } from '../../src/project.js';

const manifests: Record<string, string> = { go: 'go.mod', python: 'pyproject.toml', typescript: 'package.json' };

describe.each(
  combinations().map(({ pattern, target }) => ({ pattern, target, label: `${pattern.id} on ${target.id}` })),
)('rendering $label', ({ pattern, target }) => {
  const name = 'my-app';
  const check = checkName(name, target.language);
  if (!check.ok) throw new Error(check.reason);

  it('writes a complete project with the name in its manifest', async () => {
    const files = await renderProject({ pattern, target, name, packageName: check.packageName });
    const paths = files.map((file) => file.path);
    expect(paths).toContain('README.md');
    expect(paths).toContain('.gitignore');
    expect(paths).toContain(manifests[target.language]);
    expect(files.find((file) => file.path === manifests[target.language])!.contents).toContain(name);
    if (target.language === 'python') expect(paths).toContain(`${check.packageName}/__main__.py`);
    for (const file of files) {
      expect(file.path, 'template-only names must not reach the project').not.toMatch(
        /(^|\/)(__package__|_readme\.md|_gitignore)|\.ejs$/,
      );
      expect(file.contents, `${file.path} has an unrendered EJS tag`).not.toMatch(/<%|%>/);
      expect(file.contents.length, `${file.path} is empty`).toBeGreaterThan(0);
    }
  });

  it('writes a README that teaches the pattern and gives the commands', async () => {
    const files = await renderProject({ pattern, target, name, packageName: check.packageName });
    const readme = files.find((file) => file.path === 'README.md')!.contents;
    for (const heading of [
      '## What it is',
      '## When to use it',
      '## How this implementation works',
      '## Mistakes it avoids',
      '## Commands',
      '## The same pattern in other targets',
      '## Choosing a target',
    ]) {
      expect(readme).toContain(heading);
    }
    expect(readme).toContain(`${target.title} (this project)`);
    expect(readme).not.toContain('{package}');
  });
});

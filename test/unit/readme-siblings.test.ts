// Every generated README's "The same pattern in other targets" section names
// each target's key idea for the pattern in one line (issue 11, part 3): one
// row per target of the catalogue, each the one line of that target's
// templates/<target>/<pattern>/_idiom.md, saying what the catalogue's
// summaries do not.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { combinations, targets } from '../../src/catalogue.js';
import { checkName } from '../../src/names.js';
import { packageRoot, renderProject } from '../../src/project.js';

const heading = '## The same pattern in other targets';

/** The rows of the section's table, as [target title, idiom] cells. */
function siblingRows(readme: string): string[][] {
  const start = readme.indexOf(`${heading}\n`);
  if (start < 0) throw new Error(`no "${heading}" section`);
  const section = readme.slice(start + heading.length).split(/\n## /)[0]!;
  return section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2)
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

const words = (text: string) => new Set(text.toLowerCase().match(/[a-z_.]{4,}/g) ?? []);

describe.each(
  combinations().map(({ pattern, target }) => ({ pattern, target, label: `${pattern.id} on ${target.id}` })),
)('README of $label', ({ pattern, target }) => {
  it('names the key idea of every target in one line, its own marked', async () => {
    const check = checkName('my-app', target.language);
    if (!check.ok) throw new Error(check.reason);
    const files = await renderProject({ pattern, target, name: 'my-app', packageName: check.packageName });
    const rows = siblingRows(files.find((file) => file.path === 'README.md')!.contents);
    const root = await packageRoot();

    expect(rows.map((row) => row[0])).toEqual(
      targets.map((other) => `${other.title}${other.id === target.id ? ' (this project)' : ''}`),
    );
    for (const [index, other] of targets.entries()) {
      const idiomFile = path.join(root, 'templates', other.id, pattern.id, '_idiom.md');
      const idiom = readFileSync(idiomFile, 'utf8');
      expect(idiom.trimEnd().split('\n'), `${idiomFile}: one line`).toHaveLength(1);
      expect(idiom.trim().length, `${idiomFile}: a key idea, not a blank`).toBeGreaterThan(40);
      expect(rows[index]).toEqual([expect.any(String), idiom.trim()]);
      // It says how this target does this pattern, which neither summary of the catalogue says.
      expect(idiom).not.toContain(other.summary);
      expect(idiom).not.toContain(pattern.summary);
      const fresh = [...words(idiom)].filter((word) => !words(`${other.summary} ${pattern.summary}`).has(word));
      expect(fresh.length, `${idiomFile}: mostly words of the summaries`).toBeGreaterThan(words(idiom).size / 2);
    }
  });
});

describe('the key ideas of one pattern', () => {
  it.each([...new Set(combinations().map(({ pattern }) => pattern.id))])('differ from target to target: %s', (id) => {
    const lines = targets.map((target) =>
      readFileSync(path.join(import.meta.dirname, '..', '..', 'templates', target.id, id, '_idiom.md'), 'utf8').trim(),
    );
    expect(new Set(lines).size).toBe(lines.length);
  });
});

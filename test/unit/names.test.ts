import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LanguageId } from '../../src/catalogue.js';
import { checkName, pythonImportName } from '../../src/names.js';

interface BadName {
  name: string;
  language: LanguageId | 'any';
  reason: string;
}

const { cases } = JSON.parse(readFileSync(new URL('../../fixtures/bad-names.json', import.meta.url), 'utf8')) as {
  cases: BadName[];
};
const languages: LanguageId[] = ['go', 'python', 'typescript'];

describe('checkName refuses', () => {
  for (const bad of cases) {
    const applies = bad.language === 'any' ? languages : [bad.language];
    for (const language of applies) {
      it(`${JSON.stringify(bad.name)} for ${language}`, () => {
        const check = checkName(bad.name, language);
        expect(check.ok).toBe(false);
        if (check.ok) return;
        expect(check.reason).toContain(bad.reason);
        expect(check.hint.length).toBeGreaterThan(0);
        expect(check.reason).not.toContain('\n');
      });
    }
  }
});

describe('checkName accepts', () => {
  it.each([
    ['my-app', 'python', 'my_app'],
    ['pool.v2', 'python', 'pool_v2'],
    ['worker-pool-python-asyncio', 'python', 'worker_pool_python_asyncio'],
    ['my-app', 'go', 'my-app'],
    ['3d-pool', 'go', '3d-pool'],
    ['queue', 'go', 'queue'],
    ['asyncio', 'typescript', 'asyncio'],
    ['my_app', 'typescript', 'my_app'],
    ['a', 'go', 'a'],
  ] as const)('%s for %s as %s', (name, language, packageName) => {
    expect(checkName(name, language)).toEqual({ ok: true, packageName });
  });

  it('a name of exactly the maximum length', () => {
    expect(checkName('a'.repeat(64), 'go').ok).toBe(true);
  });
});

describe('hints', () => {
  it('suggest a valid cleaned-up name', () => {
    const check = checkName('My App', 'python');
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.hint).toContain('did you mean "my-app"?');
  });

  it('suggest a name that no longer shadows', () => {
    const check = checkName('asyncio', 'python');
    if (check.ok) throw new Error('asyncio must be refused');
    const suggestion = /did you mean "([^"]+)"/.exec(check.hint)?.[1];
    expect(suggestion).toBeDefined();
    expect(checkName(suggestion!, 'python').ok).toBe(true);
  });

  it('every suggestion is itself valid', () => {
    for (const bad of cases) {
      for (const language of bad.language === 'any' ? languages : [bad.language]) {
        const check = checkName(bad.name, language);
        const suggestion = check.ok ? undefined : /did you mean "([^"]+)"/.exec(check.hint)?.[1];
        if (suggestion)
          expect(checkName(suggestion, language), `${bad.name} → ${suggestion}`).toMatchObject({ ok: true });
      }
    }
  });
});

it('pythonImportName replaces dashes and dots', () => {
  expect(pythonImportName('a-b.c')).toBe('a_b_c');
});

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { combinations, findPattern, findTarget, patterns, pipRequirement, targets } from '../../src/catalogue.js';

const templates = path.join(import.meta.dirname, '..', '..', 'templates');

describe('catalogue', () => {
  it('has unique ids and aliases across patterns and across targets', () => {
    for (const entries of [patterns, targets]) {
      const names = entries.flatMap((entry) => [entry.id, ...entry.aliases]);
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it('finds entries by id and by alias', () => {
    expect(findPattern('pool')?.id).toBe('worker-pool');
    expect(findTarget('golang')?.id).toBe('go');
    expect(findTarget('python')).toBeUndefined();
  });

  it('offers only combinations whose templates exist', () => {
    for (const { pattern, target } of combinations()) {
      expect(existsSync(path.join(templates, target.id, pattern.id)), `${target.id}/${pattern.id}`).toBe(true);
      for (const layer of target.layers) expect(existsSync(path.join(templates, layer)), layer).toBe(true);
    }
  });

  it('has no template folder the catalogue does not offer', () => {
    for (const target of targets) {
      const folders = readdirSync(path.join(templates, target.id)).filter(
        (entry) => !entry.startsWith('_') && !entry.startsWith('.'),
      );
      expect(folders.sort()).toEqual([...target.patterns].sort());
    }
  });

  it('has every pattern in every target (SPEC §1: 25 combinations)', () => {
    expect(combinations()).toHaveLength(patterns.length * targets.length);
  });

  it('describes every pattern of every target in one line for the comparison table', () => {
    for (const target of targets) {
      for (const pattern of target.patterns) {
        const idiom = readFileSync(path.join(templates, target.id, pattern, '_idiom.md'), 'utf8');
        expect(idiom.trim().split('\n'), `templates/${target.id}/${pattern}/_idiom.md`).toHaveLength(1);
      }
    }
  });
});

describe('pipRequirement', () => {
  it('pins a client, with its extras in brackets when it has any', () => {
    expect(pipRequirement({ name: 'redis', version: '8.1.0' })).toBe('redis==8.1.0');
    expect(pipRequirement({ name: 'redis', version: '8.1.0', extras: ['hiredis'] })).toBe('redis[hiredis]==8.1.0');
    expect(pipRequirement({ name: 'x', version: '1', extras: ['a', 'b'] })).toBe('x[a,b]==1');
  });
});

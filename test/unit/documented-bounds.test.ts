import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const templates = path.join(import.meta.dirname, '..', '..', 'templates', 'python-threading');
const read = (file: string) => readFileSync(path.join(templates, file), 'utf8');

/** The bound a docstring states as "at most ``EXPR`` … are read and not yet handed back". */
function statedBound(text: string): string {
  const bound = /at most ``([^`]+)``[^.]*?read and not yet\s+handed/.exec(text)?.[1];
  if (bound === undefined) throw new Error('no bound on the jobs read ahead is stated');
  return bound;
}

describe('the python-threading worker pool', () => {
  it('states the read-ahead bound of run_workers with the capacity it passes', () => {
    const general = statedBound(read('_shared/__package__/workers.py'));
    expect(general).toBe('capacity + workers + 1');
    const pool = read('worker-pool/__package__/worker_pool.py');
    const capacity = /run_workers\([^)]*capacity=(\w+)/.exec(pool)?.[1];
    expect(capacity).toBe('workers');
    // capacity + workers + 1 with capacity = workers
    expect(statedBound(pool)).toBe('2 * workers + 1');
  });
});

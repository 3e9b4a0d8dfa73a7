import { expect, it } from 'vitest';
import { closest, editDistance } from '../../src/suggest.js';

const ids = ['fan-out', 'producer-consumer', 'worker-pool', 'timeout', 'graceful-stop'];

it('measures edit distance', () => {
  expect(editDistance('kitten', 'sitting')).toBe(3);
  expect(editDistance('', 'abc')).toBe(3);
  expect(editDistance('same', 'same')).toBe(0);
});

it('suggests near misses and unique prefixes, nothing for unrelated input', () => {
  expect(closest('worker-poll', ids)).toBe('worker-pool');
  expect(closest('fanout', ids)).toBe('fan-out');
  expect(closest('Timeout', ids)).toBe('timeout');
  expect(closest('graceful', ids)).toBe('graceful-stop');
  expect(closest('banana', ids)).toBeUndefined();
});

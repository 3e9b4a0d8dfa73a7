import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { figuresOf } from '../../src/comparison-figures.js';
import { cpuSpeedup, measuredOn, noFreeCore, quoteFigure, type Benchmarks } from '../../src/figures.js';
// @ts-expect-error: a plain ES module without types
import { cpuSpeedup as docsSpeedup } from '../../scripts/render-figures.mjs';

const root = path.join(import.meta.dirname, '..', '..');
const measured = JSON.parse(readFileSync(path.join(root, 'docs', 'benchmarks.json'), 'utf8')) as Benchmarks;

/** The measured run with every parallel row's two-unit run given `cores` cores and a speed-up to match. */
function runWith(cores: number): Benchmarks {
  return {
    ...measured,
    cpu: measured.cpu.map((row) =>
      row.id === 'python-threads' ? row : { ...row, cores_two: cores, speedup: cores * 0.97 },
    ),
  };
}
const ids = measured.cpu.map((row) => row.id);

describe('a CPU speed-up', () => {
  it('is not claimed when no parallel row got close to two cores', () => {
    const saturated = runWith(1.12);
    for (const id of ids) {
      expect(cpuSpeedup(id, saturated)).toBe(noFreeCore);
      expect(figuresOf(saturated).cpu(id)).toContain(noFreeCore);
      expect(quoteFigure({ table: 'cpu', id }, saturated)).toContain(noFreeCore);
    }
  });

  it('is shown for every row, the GIL-bound one included, when the parallel rows got two cores', () => {
    const free = runWith(1.95);
    expect(cpuSpeedup('goroutines', free)).toBe('1.89×');
    const threads = free.cpu.find((row) => row.id === 'python-threads')!;
    expect(cpuSpeedup('python-threads', free)).toBe(`${threads.speedup.toFixed(2)}×`);
  });

  it('is judged by the docs as by the generated projects', () => {
    for (const run of [measured, runWith(1.12), runWith(1.95)]) {
      for (const row of run.cpu) expect(docsSpeedup(row, run)).toBe(cpuSpeedup(row.id, run));
    }
  });

  it('is quoted with the load averages at the start and at the end of the run', () => {
    const { load_start, load_end } = measured.machine;
    for (const line of [measuredOn(measured), figuresOf(measured).run]) {
      expect(line).toContain(`${load_start[0]} at the start`);
      expect(line).toContain(`${load_end[0]} at the end`);
    }
  });
});

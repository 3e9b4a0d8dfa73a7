// Scenario expectations and their small expression language, on hand-made
// runs. Needs no toolchain.
import { describe, expect, test } from 'vitest';
import { effectiveOptions } from './contract.js';
import { evaluate } from './expression.js';
import { type ObservedRun, checkExpectations } from './scenarios.js';

const options = effectiveOptions('timeout', 'go', ['--jobs', '4', '--workers', '3', '--timeout-ms', '200', '--json']);

describe('evaluate', () => {
  test.each([
    ['jobs', 4],
    ['timeoutMs + 600', 800],
    ['ceil(jobs / workers) * workMs - 10', 3990],
    ['min(jobs, workers)', 3],
    ['max(jobs, -workers)', 4],
    ['0.3 * jobs * (workMs + 0)', 2400],
    ['floor(7 / 2)', 3],
  ])('%s = %d', (expression, value) => {
    expect(evaluate(expression, options)).toBeCloseTo(value);
  });

  test.each(['jobz + 1', 'jobs +', '(jobs', 'jobs jobs', 'process.exit(1)', 'constructor(1)'])(
    'rejects %s',
    (expression) => {
      expect(() => evaluate(expression, options)).toThrow(/expression/);
    },
  );
});

describe('checkExpectations', () => {
  const run: ObservedRun = {
    options,
    exitCode: 0,
    wallMs: 450,
    lastSignalAtMs: 300,
    events: [
      { line: 1, event: 'start', job: 1, tMs: 10 },
      { line: 2, event: 'timeout', job: 1, tMs: 212 },
    ],
    summary: {
      line: 3,
      pattern: 'timeout',
      target: 'go',
      submitted: 1,
      completed: 0,
      failed: 0,
      timed_out: 1,
      cancelled: 0,
      max_concurrency: 1,
      elapsed_ms: 215,
    },
  };

  test('a run that meets every expectation', () => {
    const problems = checkExpectations(
      {
        exitCode: [0, 1],
        summary: { timed_out: 1, completed: { max: 0 }, elapsed_ms: { min: 'timeoutMs - 10' } },
        events: [
          { event: 'done', count: 0 },
          { event: 'timeout', where: { job: 1 }, count: 1 },
        ],
        wallMs: { max: 1000 },
        exitAfterLastSignalMs: { max: 200 },
        jobDurations: [{ terminal: 'timeout', min: 'timeoutMs - 10', max: 'timeoutMs + 400' }],
        gaps: [{ from: 'start', to: 'summary', max: 'timeoutMs + 600' }],
      },
      run,
    );
    expect(problems).toEqual([]);
  });

  test('each unmet expectation is reported', () => {
    const problems = checkExpectations(
      {
        exitCode: 130,
        summary: { timed_out: 0, elapsed_ms: { max: 'timeoutMs - 100' } },
        events: [{ event: 'timeout', count: { min: 2 } }],
        wallMs: { min: 1000 },
        exitAfterLastSignalMs: { max: 100 },
        jobDurations: [{ terminal: 'timeout', max: 'timeoutMs - 50' }],
        gaps: [
          { from: 'start', to: 'summary', min: 'timeoutMs + 10' },
          { from: 'stopping', to: 'cancel' },
        ],
        cpuMs: { min: 1 },
      },
      { ...run, cpuMs: 0 },
    );
    expect(problems).toEqual([
      'exit code 0, expected 130',
      'summary timed_out is 1, expected 0',
      'summary elapsed_ms is 215, expected ≤ 100',
      'number of "timeout" events is 1, expected ≥ 2',
      'wall time (ms, spawn to exit) is 450, expected ≥ 1000',
      'time from the last signal to exit (ms) is 150, expected ≤ 100',
      'job 1 start → timeout (ms) is 202, expected ≤ 150',
      '"start" → summary (ms) is 205, expected ≥ 210',
      'no "stopping" event to measure from',
      'CPU time of the process group (ms) is 0, expected ≥ 1',
    ]);
  });
});

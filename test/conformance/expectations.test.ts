// Scenario expectations and their small expression language, on hand-made
// runs. Needs no toolchain.
import os from 'node:os';
import { describe, expect, test } from 'vitest';
import { effectiveOptions } from './contract.js';
import { evaluate } from './expression.js';
import { type ObservedRun, checkExpectations, checkStartsAfterSignal } from './scenarios.js';
import type { TraceEvent } from './trace.js';

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
    ['200 + 30 * cores', 200 + 30 * os.availableParallelism()],
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

describe('startsAfterSignal', () => {
  // worker-pool, 10 jobs on 2 workers, signalled once jobs 1 and 2 had started.
  const poolOptions = effectiveOptions('worker-pool', 'go', ['--jobs', '10', '--workers', '2', '--json']);
  const startsThenCancels = (startsAfter: number[]): TraceEvent[] => {
    const events: TraceEvent[] = [
      { line: 1, event: 'start', job: 1, worker: 1, tMs: 1 },
      { line: 2, event: 'start', job: 2, worker: 2, tMs: 2 },
    ];
    for (const job of startsAfter) events.push({ line: events.length + 1, event: 'start', job, tMs: 3 });
    for (let job = 1; job <= 10; job++) events.push({ line: events.length + 1, event: 'cancel', job, tMs: 4 });
    return events;
  };
  const observed = (events: TraceEvent[], linesBeforeFirstSignal: number | undefined): ObservedRun => ({
    options: poolOptions,
    exitCode: 130,
    wallMs: 500,
    events,
    linesBeforeFirstSignal,
  });
  const atMostOnePerWorker = { max: 'workers' };

  test('no start after the signal passes', () => {
    expect(checkStartsAfterSignal(atMostOnePerWorker, observed(startsThenCancels([]), 2))).toEqual([]);
  });

  test('one start per worker racing with the signal passes', () => {
    expect(checkStartsAfterSignal(atMostOnePerWorker, observed(startsThenCancels([3, 4]), 2))).toEqual([]);
  });

  test('waiting jobs started after the signal are reported, with their ids', () => {
    expect(checkStartsAfterSignal(atMostOnePerWorker, observed(startsThenCancels([3, 4, 5, 6, 7]), 2))).toEqual([
      '5 jobs started after the first signal (line 2 had been read when it was sent), expected ≤ 2: 3, 4, 5, 6, 7',
    ]);
  });

  test('starts are placed by the lines read when the signal was sent, not by t_ms', () => {
    // The same trace, but the runner had read four lines when it signalled:
    // the starts of jobs 3 and 4 came before the signal.
    const events = startsThenCancels([3, 4, 5, 6, 7]).map((event) => ({ ...event, tMs: 1000 - event.line }));
    expect(checkStartsAfterSignal(atMostOnePerWorker, observed(events, 4))).toEqual([
      '3 jobs started after the first signal (line 4 had been read when it was sent), expected ≤ 2: 5, 6, 7',
    ]);
  });

  test('a run that could not have shown the defect fails instead of passing vacuously', () => {
    // 8 of the 10 jobs had started: only 2 were left, no more than the 2 allowed.
    const events = [3, 4, 5, 6, 7, 8].reduce(
      (trace, job) => [...trace, { line: trace.length + 1, event: 'start', job, tMs: 1 }],
      startsThenCancels([]).slice(0, 2),
    );
    expect(checkStartsAfterSignal(atMostOnePerWorker, observed(events, 8))).toEqual([
      'only 2 jobs were waiting to start when the signal was sent, not more than the 2 starts allowed after it: the scenario cannot catch a stop that starts new work',
    ]);
  });

  test('an endless source always has jobs waiting', () => {
    const serviceOptions = effectiveOptions('graceful-stop', 'go', ['--workers', '2', '--json']);
    const events: TraceEvent[] = [
      { line: 1, event: 'ready', tMs: 0 },
      { line: 2, event: 'start', job: 1, worker: 1, tMs: 1 },
      { line: 3, event: 'stopping', signal: 'SIGINT', tMs: 2 },
      { line: 4, event: 'start', job: 2, worker: 2, tMs: 3 },
      { line: 5, event: 'done', job: 1, worker: 1, tMs: 4, result: 2 },
      { line: 6, event: 'start', job: 3, worker: 1, tMs: 5 },
      { line: 7, event: 'start', job: 4, worker: 2, tMs: 6 },
    ];
    const run = { ...observed(events, 2), options: serviceOptions };
    expect(checkStartsAfterSignal(atMostOnePerWorker, run)).toEqual([
      '3 jobs started after the first signal (line 2 had been read when it was sent), expected ≤ 2: 2, 3, 4',
    ]);
  });

  test('no signal delivered', () => {
    expect(checkStartsAfterSignal(atMostOnePerWorker, observed(startsThenCancels([]), undefined))).toEqual([
      'no signal was delivered, so no start can be placed after it',
    ]);
  });

  test('is part of checkExpectations', () => {
    const problems = checkExpectations(
      { startsAfterSignal: atMostOnePerWorker },
      observed(startsThenCancels([3, 4, 5]), 2),
    );
    expect(problems).toEqual([
      '3 jobs started after the first signal (line 2 had been read when it was sent), expected ≤ 2: 3, 4, 5',
    ]);
  });
});

describe('peakRssMb', () => {
  const run: ObservedRun = { options, exitCode: 0, wallMs: 100, events: [] };

  test('within bounds, above them, and not measured (off Linux)', () => {
    expect(checkExpectations({ peakRssMb: { max: 400 } }, { ...run, peakRssMb: 120 })).toEqual([]);
    expect(checkExpectations({ peakRssMb: { max: 400 } }, { ...run, peakRssMb: 1612.4 })).toEqual([
      'peak resident memory of the process group (MB) is 1612.4, expected ≤ 400',
    ]);
    expect(checkExpectations({ peakRssMb: { max: 400 } }, run)).toEqual([]);
  });
});

// The runner against tiny Node programs (no toolchain needed): triggers,
// signals to the process and to its group, the hard timeout, leftovers and
// CPU measurement.
import { describe, expect, test } from 'vitest';
import { canMeasureCpu } from './proc.js';
import { type ObservedEvent, type Subject, runProgram } from './runner.js';

function nodeProgram(source: string): Subject {
  return { target: 'node', pattern: 'fake', command: [process.execPath, '-e', source], cwd: process.cwd() };
}

const eventOfLine = (line: string): ObservedEvent | undefined => {
  try {
    return JSON.parse(line) as ObservedEvent;
  } catch {
    return undefined;
  }
};

// Writes ready, then reports each signal it gets; exits 0 on the second.
const SIGNAL_REPORTER = `
  let received = 0;
  const report = (signal) => {
    console.log(JSON.stringify({ event: 'signal', signal }));
    if (++received === 2) process.exit(0);
  };
  process.on('SIGTERM', report);
  process.on('SIGINT', report);
  console.log(JSON.stringify({ event: 'ready' }));
  setInterval(() => {}, 1000);
`;

describe('runProgram', () => {
  test('sends signals when their triggers are met, to the process and to its group', async () => {
    const result = await runProgram(nodeProgram(SIGNAL_REPORTER), {
      args: [],
      eventOfLine,
      hardTimeoutMs: 10_000,
      actions: [
        { after: { event: 'ready' }, signal: 'SIGTERM', to: 'process' },
        { after: { event: 'signal', where: { signal: 'SIGTERM' }, delayMs: 50 }, signal: 'SIGINT', to: 'group' },
      ],
    });
    expect(result.stdout).toBe(
      '{"event":"ready"}\n{"event":"signal","signal":"SIGTERM"}\n{"event":"signal","signal":"SIGINT"}\n',
    );
    expect(result.exitCode).toBe(0);
    expect(result.signalsDelivered.map(({ signal, to }) => `${signal} to ${to}`)).toEqual([
      'SIGTERM to process',
      'SIGINT to group',
    ]);
    expect(result.skippedActions).toEqual([]);
  }, 15_000);

  test('reports an action the program did not live to see, unless it is optional', async () => {
    const result = await runProgram(nodeProgram('console.log("{}")'), {
      args: [],
      eventOfLine,
      hardTimeoutMs: 10_000,
      actions: [
        { after: { event: 'start' }, signal: 'SIGTERM', to: 'process' },
        { after: { delayMs: 10 }, signal: 'SIGINT', to: 'group', optional: true },
      ],
    });
    expect(result.exitCode).toBe(0);
    expect(result.skippedActions).toEqual(['{"after":{"event":"start"},"signal":"SIGTERM","to":"process"}']);
  }, 15_000);

  test('kills a program still running at the hard timeout', async () => {
    const began = performance.now();
    const result = await runProgram(nodeProgram('process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)'), {
      args: [],
      eventOfLine,
      hardTimeoutMs: 300,
    });
    expect(result.hardTimedOut).toBe(true);
    expect(result.killedBy).toBe('SIGKILL');
    expect(performance.now() - began).toBeLessThan(5_000);
  }, 15_000);

  test.runIf(canMeasureCpu)(
    'finds processes that outlive the program, and kills them',
    async () => {
      const orphanMaker = `require('node:child_process').spawn('sleep', ['30'], { stdio: 'ignore' }).unref()`;
      const result = await runProgram(nodeProgram(orphanMaker), { args: [], eventOfLine, hardTimeoutMs: 10_000 });
      expect(result.exitCode).toBe(0);
      expect(result.leftovers).toHaveLength(1);
    },
    15_000,
  );

  test.runIf(canMeasureCpu)(
    'measures CPU while idle: near zero when blocked, far more when spinning',
    async () => {
      const measure = { after: { event: 'ready', delayMs: 100 }, measureIdleCpu: { durationMs: 1000, maxPercent: 5 } };
      const blocked = await runProgram(nodeProgram(`console.log('{"event":"ready"}'); setTimeout(() => {}, 1500)`), {
        args: [],
        eventOfLine,
        hardTimeoutMs: 10_000,
        actions: [measure],
      });
      const spinning = await runProgram(
        nodeProgram(`console.log('{"event":"ready"}'); const end = Date.now() + 1500; while (Date.now() < end);`),
        { args: [], eventOfLine, hardTimeoutMs: 10_000, actions: [measure], sampleCpu: true },
      );
      expect(blocked.idleCpu[0]?.cpuMs).toBeLessThanOrEqual(20);
      // A spinner gets a whole core on an idle machine, and still a twentieth
      // of one with twenty busy processes on two cores.
      expect(spinning.idleCpu[0]?.cpuMs).toBeGreaterThan(40);
      expect(spinning.cpuMs).toBeGreaterThan(60);
    },
    15_000,
  );
});

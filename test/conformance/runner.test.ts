// The runner against tiny Node programs (no toolchain needed): triggers,
// signals to the process and to its group, the hard timeout, leftovers, and
// CPU and memory measurement.
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

  test('records how many lines it had read when it sent each signal', async () => {
    const result = await runProgram(nodeProgram(SIGNAL_REPORTER), {
      args: [],
      eventOfLine,
      hardTimeoutMs: 10_000,
      actions: [
        { after: { event: 'ready', delayMs: 50 }, signal: 'SIGTERM', to: 'process' },
        { after: { event: 'signal', delayMs: 50 }, signal: 'SIGTERM', to: 'process' },
      ],
    });
    expect(result.signalsDelivered.map((signal) => signal.linesBefore)).toEqual([1, 2]);
  }, 15_000);

  test('keeps what reaches stdout after the program exited, until stdout closes', async () => {
    // The program exits at once; a child that shares its stdout writes 300 ms later.
    const exitsFirst = `require('node:child_process').spawn('sh', ['-c', 'sleep 0.3; echo late'], { stdio: 'inherit' }).unref()`;
    const result = await runProgram(nodeProgram(exitsFirst), { args: [], eventOfLine, hardTimeoutMs: 10_000 });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('late\n');
    expect(result.leftovers).toEqual([]);
  }, 15_000);

  test('keeps every line after its last trigger, without parsing them', async () => {
    const chatty = `console.log('{"event":"ready"}'); for (let i = 0; i < 100000; i++) console.log(JSON.stringify({ event: 'tick', i }));`;
    const parsed: string[] = [];
    const result = await runProgram(nodeProgram(chatty), {
      args: [],
      eventOfLine: (line) => {
        parsed.push(line);
        return eventOfLine(line);
      },
      hardTimeoutMs: 10_000,
      actions: [{ after: { event: 'ready' }, measureIdleCpu: { durationMs: 1, maxPercent: 100 }, optional: true }],
    });
    expect(result.stdout.split('\n')).toHaveLength(100_002);
    expect(result.stdout.endsWith('{"event":"tick","i":99999}\n')).toBe(true);
    expect(parsed.length).toBeLessThan(100_001);
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

  describe.runIf(canMeasureCpu)('memory', () => {
    // Writes ready, then for `seconds` fills 4 MB every 50 ms: new blocks
    // that it keeps (a leak), or the same block over and over (flat).
    const filler = (leak: boolean, seconds: number) => `
      const blocks = [Buffer.alloc(4 * 1024 * 1024)];
      console.log('{"event":"ready"}');
      const timer = setInterval(() => {
        if (${leak}) blocks.push(Buffer.alloc(4 * 1024 * 1024, 1));
        else blocks[0].fill(blocks[0][0] + 1);
      }, 50);
      setTimeout(() => clearInterval(timer), ${seconds * 1000});
    `;
    const growth = { after: { event: 'ready', delayMs: 200 }, measureRssGrowth: { durationMs: 2000, maxGrowthMb: 20 } };

    test('RSS growth over a window: a leak grows, steady work does not', async () => {
      const [leaking, flat] = await Promise.all([
        runProgram(nodeProgram(filler(true, 3)), {
          args: [],
          eventOfLine,
          hardTimeoutMs: 10_000,
          actions: [growth],
        }),
        runProgram(nodeProgram(filler(false, 3)), {
          args: [],
          eventOfLine,
          hardTimeoutMs: 10_000,
          actions: [growth],
        }),
      ]);
      const grown = ({ baselineMb, endMb }: { baselineMb: number; endMb: number }) => endMb - baselineMb;
      // Up to 40 blocks of 4 MB in 2 s; a loaded machine runs fewer timers,
      // and the measurement leaves out part of each end.
      expect(grown(leaking.rssGrowth[0]!)).toBeGreaterThan(40);
      expect(grown(flat.rssGrowth[0]!)).toBeLessThan(5);
      expect(leaking.rssGrowth[0]?.maxGrowthMb).toBe(20);
    }, 15_000);

    test('peak RSS of the process group, children included', async () => {
      // The parent holds little; a child holds 200 MB for half a second, then both exit.
      const parent = `
        const { spawn } = require('node:child_process');
        const child = spawn(process.execPath, ['-e', "const b = Buffer.alloc(200 * 1024 * 1024, 1); setTimeout(() => b.length, 500)"], { stdio: 'inherit' });
        child.on('exit', () => process.exit(0));
      `;
      const result = await runProgram(nodeProgram(parent), {
        args: [],
        eventOfLine,
        hardTimeoutMs: 10_000,
        sampleMemory: true,
      });
      expect(result.exitCode).toBe(0);
      expect(result.peakRssMb).toBeGreaterThan(200);
      expect(result.peakRssMb).toBeLessThan(400);
    }, 15_000);
  });
});

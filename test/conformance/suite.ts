// The conformance suite: every scenario of a pattern, every bad invocation
// and --help, registered as vitest tests against one subject (one generated
// program). The end-to-end matrix calls defineConformanceSuite once per
// generated project; program.conformance.ts (run by scripts/conformance.mjs)
// calls it for one project named on the command line.
import { describe, expect, test } from 'vitest';
import { type Pattern, cpuRejectionMessage, effectiveOptions, isPattern, mayRejectCpuWork } from './contract.js';
import { type CheckedTrace, checkTrace } from './checker.js';
import { type RunResult, type Subject, runProgram } from './runner.js';
import { type BadInvocation, type Scenario, checkExpectations, loadBadFlags, scenariosFor } from './scenarios.js';
import { parseHumanTrace } from './trace.js';

export type { Subject } from './runner.js';

export interface SuiteOptions {
  /** Run only the scenarios with these names (bad-flag and help tests always run). */
  only?: string[];
  /** Out-of-order t_ms tolerated between events (see checker.ts). */
  clockToleranceMs?: number;
  /** Print each scenario's measurements (wall time, exit, CPU) as it ends. */
  verbose?: boolean;
}

export interface ScenarioReport {
  problems: string[];
  /** What to show next to the problems: the command, exit, stderr, output. */
  context: string;
  result: RunResult;
  trace?: CheckedTrace;
  /** The program refused `--work cpu` the way the contract allows. */
  rejectedCpuWork: boolean;
}

/**
 * The subject for a generated project, run the way SPEC §3 says each target
 * is run. Build first: go `go build -o app .`; typescript `npm install` and
 * `npm run build`; python needs nothing.
 */
const USAGE_HARD_TIMEOUT_MS = 10_000;
// Beyond a run's own hard timeout: the runner's wait for leftovers.
const TEST_TIMEOUT_MARGIN_MS = 12_000;

export function defineConformanceSuite(subject: Subject, options: SuiteOptions = {}): void {
  const { pattern } = subject;
  if (!isPattern(pattern)) throw new Error(`unknown pattern "${pattern}"`);
  const scenarios = scenariosFor(pattern).filter((scenario) => !options.only || options.only.includes(scenario.name));
  const registerScenario = (scenario: Scenario) =>
    test(
      scenario.name,
      async () => {
        const report = await runScenario(subject, scenario, options);
        if (options.verbose)
          console.log(`${subject.target} ${pattern} ${scenario.name}: ${describeMeasurements(report.result)}`);
        expect(report.problems, `${scenario.description}\n${report.context}`).toEqual([]);
      },
      scenario.hardTimeoutMs + TEST_TIMEOUT_MARGIN_MS,
    );

  describe(`conformance of ${subject.target} ${pattern}`, () => {
    // An empty describe block is an error in vitest, and `only` may empty one.
    const shared = scenarios.filter((scenario) => !scenario.exclusive);
    if (shared.length > 0) describe.concurrent('scenarios', () => shared.forEach(registerScenario));
    // CPU-heavy, CPU-measuring or memory-measuring scenarios run alone, so
    // that the other runs of this subject neither slow them down nor
    // disturb the figures.
    const alone = scenarios.filter((scenario) => scenario.exclusive);
    if (alone.length > 0) describe.sequential('scenarios run alone', () => alone.forEach(registerScenario));
    const badFlags = loadBadFlags();
    describe.concurrent('usage', () => {
      for (const invocation of badFlags.usageErrors) {
        test(
          `${invocation.name}: exit 2, message on stderr, nothing on stdout`,
          async () => {
            const problems = await checkUsageError(subject, invocation);
            expect(problems).toEqual([]);
          },
          USAGE_HARD_TIMEOUT_MS + TEST_TIMEOUT_MARGIN_MS,
        );
      }
      for (const invocation of badFlags.help) {
        test(
          `${invocation.name}: usage on stdout, exit 0`,
          async () => {
            const problems = await checkHelp(subject, invocation);
            expect(problems).toEqual([]);
          },
          USAGE_HARD_TIMEOUT_MS + TEST_TIMEOUT_MARGIN_MS,
        );
      }
    });
  });
}

/** Runs one scenario against a subject and returns everything it found wrong. */
export async function runScenario(
  subject: Subject,
  scenario: Scenario,
  options: SuiteOptions = {},
): Promise<ScenarioReport> {
  const pattern = subject.pattern as Pattern;
  const runOptions = effectiveOptions(pattern, subject.target, scenario.args);
  const result = await runProgram(subject, {
    args: scenario.args,
    actions: scenario.actions,
    hardTimeoutMs: scenario.hardTimeoutMs,
    sampleCpu: scenario.expect.cpuMs !== undefined,
    sampleMemory: scenario.expect.peakRssMb !== undefined,
    eventOfLine: runOptions.json ? eventOfJsonLine : (line) => parseHumanTrace([line], runOptions).events[0],
  });
  const context = describeRun(result);
  const problems: string[] = [];
  if (result.hardTimedOut)
    problems.push(`still running after the hard timeout of ${scenario.hardTimeoutMs} ms: killed`);
  if (result.leftovers.length > 0) {
    problems.push(`processes of its group still running after it exited: ${result.leftovers.join(', ')}`);
  }

  if (runOptions.work === 'cpu' && result.exitCode === 2 && mayRejectCpuWork(pattern, subject.target)) {
    const message = cpuRejectionMessage(pattern, subject.target);
    if (!result.stderr.split('\n').some((line) => line.trim() === message)) {
      problems.push(`exit 2 on --work cpu: stderr must say "${message}"`);
    }
    if (result.stdout !== '') problems.push('exit 2 on --work cpu: stdout must be empty');
    return { problems, context, result, rejectedCpuWork: true };
  }

  for (const action of result.skippedActions)
    problems.push(`the program exited before this action could run: ${action}`);
  for (const { durationMs, cpuMs, maxPercent } of result.idleCpu) {
    if (cpuMs > (durationMs * maxPercent) / 100) {
      problems.push(
        `busy while idle: ${cpuMs.toFixed(0)} ms of CPU in ${durationMs} ms (${((cpuMs / durationMs) * 100).toFixed(1)}% > ${maxPercent}%)`,
      );
    }
  }
  for (const { durationMs, lines, baselineMb, endMb, maxGrowthMb } of result.rssGrowth) {
    if (endMb - baselineMb > maxGrowthMb) {
      problems.push(
        `memory grew by ${(endMb - baselineMb).toFixed(1)} MB in ${durationMs.toFixed(0)} ms and ${lines} lines of output (${baselineMb.toFixed(1)} → ${endMb.toFixed(1)} MB resident, process group) > ${maxGrowthMb} MB`,
      );
    }
  }
  const trace = checkTrace({
    stdout: result.stdout,
    pattern,
    target: subject.target,
    options: runOptions,
    exitCode: result.exitCode,
    killedBy: result.killedBy,
    signalsDelivered: result.signalsDelivered.length,
    allowIncomplete: scenario.expect.allowIncomplete,
    clockToleranceMs: options.clockToleranceMs,
  });
  problems.push(...trace.problems);
  problems.push(
    ...checkExpectations(scenario.expect, {
      options: runOptions,
      exitCode: result.exitCode,
      events: trace.events,
      summary: trace.summary,
      wallMs: result.wallMs,
      lastSignalAtMs: result.signalsDelivered.at(-1)?.atMs,
      linesBeforeFirstSignal: result.signalsDelivered[0]?.linesBefore,
      cpuMs: result.cpuMs,
      peakRssMb: result.peakRssMb,
    }),
  );
  return { problems, context, result, trace, rejectedCpuWork: false };
}

function eventOfJsonLine(line: string) {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === 'object' && value !== null && typeof (value as { event?: unknown }).event === 'string') {
      return value as { event: string };
    }
  } catch {
    // not JSON: the checker reports it once the run is over
  }
  return undefined;
}

/** Runs a usage invocation (no events expected) and checks it ended with `exitCode`. */
async function runUsage(
  subject: Subject,
  invocation: BadInvocation,
  exitCode: number,
): Promise<{ result: RunResult; problems: string[] }> {
  const result = await runProgram(subject, {
    args: invocation.args,
    hardTimeoutMs: USAGE_HARD_TIMEOUT_MS,
    eventOfLine: () => undefined,
  });
  const problems: string[] = [];
  if (result.hardTimedOut) problems.push('still running: killed');
  if (result.exitCode !== exitCode) problems.push(`exit code ${result.exitCode}, expected ${exitCode}`);
  return { result, problems };
}

export async function checkUsageError(subject: Subject, invocation: BadInvocation): Promise<string[]> {
  const { result, problems } = await runUsage(subject, invocation, 2);
  if (result.stdout !== '') problems.push(`stdout must be empty, got ${JSON.stringify(result.stdout.slice(0, 200))}`);
  if (result.stderr.trim() === '') problems.push('stderr must carry a message');
  if (result.leftovers.length > 0) problems.push(`processes left running: ${result.leftovers.join(', ')}`);
  return problems;
}

export async function checkHelp(subject: Subject, invocation: BadInvocation): Promise<string[]> {
  const { result, problems } = await runUsage(subject, invocation, 0);
  // Go's flag package prints "-jobs", the others "--jobs": accept either.
  for (const flag of ['jobs', 'workers', 'work-ms', 'work', 'fail-every', 'timeout-ms', 'buffer', 'drain-ms', 'json']) {
    if (!new RegExp(`(^|[\\s,\\[])--?${flag}\\b(?!-)`, 'm').test(result.stdout))
      problems.push(`usage on stdout does not mention --${flag}`);
  }
  return problems;
}

function describeMeasurements(result: RunResult): string {
  const parts = [`exit ${result.exitCode ?? result.killedBy}`, `wall ${result.wallMs.toFixed(0)} ms`];
  if (result.cpuMs !== undefined) parts.push(`cpu ${result.cpuMs.toFixed(0)} ms`);
  for (const { durationMs, cpuMs } of result.idleCpu)
    parts.push(`idle cpu ${((cpuMs / durationMs) * 100).toFixed(1)}%`);
  if (result.peakRssMb !== undefined) parts.push(`peak rss ${result.peakRssMb.toFixed(1)} MB`);
  for (const { baselineMb, endMb, durationMs, lines } of result.rssGrowth)
    parts.push(
      `rss ${baselineMb.toFixed(1)} → ${endMb.toFixed(1)} MB over ${durationMs.toFixed(0)} ms and ${lines} lines`,
    );
  parts.push(`${result.stdout.split('\n').length - 1} lines`);
  return parts.join(', ');
}

function describeRun(result: RunResult): string {
  const lines = result.stdout.split('\n');
  const shown =
    lines.length > 40 ? [...lines.slice(0, 20), `… ${lines.length - 40} lines …`, ...lines.slice(-20)] : lines;
  const signals = result.signalsDelivered
    .map((s) => `${s.signal} to ${s.to} at ${s.atMs.toFixed(0)} ms (after line ${s.linesBefore})`)
    .join(', ');
  return [
    `command: ${JSON.stringify(result.command)}`,
    `exit: ${result.exitCode ?? `killed by ${result.killedBy}`} after ${result.wallMs.toFixed(0)} ms${signals ? `; signals: ${signals}` : ''}`,
    `stderr: ${result.stderr.trim() === '' ? '(empty)' : result.stderr.slice(-2000)}`,
    'stdout:',
    ...shown,
  ].join('\n');
}

// Runs one program once: spawns it as the leader of its own process group,
// watches its output, sends the scenario's signals when their triggers are
// met, measures CPU and memory where asked, and kills everything at the hard
// timeout.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { canMeasureCpu, groupCpuMs, groupRssBytes, liveGroupMembers, reapedChildrenCpuMs } from './proc.js';

export interface Subject {
  target: string;
  pattern: string;
  /** The program and its leading arguments; the scenario's flags are appended. */
  command: string[];
  cwd: string;
  env?: Record<string, string>;
}

/** What a trigger waits for, as written in the scenario files. */
export interface Trigger {
  /** Wait until `count` events of this kind were written (counted from the start of the run). */
  event?: string;
  count?: number;
  /** Only events whose fields have these values count. */
  where?: Record<string, string | number>;
  /** Then wait this long (or, without `event`, this long after the previous action). */
  delayMs?: number;
}

export type Action = (
  | { signal: 'SIGTERM' | 'SIGINT'; to: 'process' | 'group' }
  | { measureIdleCpu: { durationMs: number; maxPercent: number } }
  | { measureRssGrowth: RssGrowthWindow & { maxGrowthMb: number } }
) & {
  after: Trigger;
  /** Not a problem if the program already exited (e.g. a second signal racing a quick exit). */
  optional?: boolean;
};

export interface ObservedEvent {
  event: string;
  [field: string]: unknown;
}

export interface RunRequest {
  args: string[];
  actions?: Action[];
  hardTimeoutMs: number;
  /** Turns an output line into an event for triggers (undefined: not an event). */
  eventOfLine: (line: string) => ObservedEvent | undefined;
  /** Sample the group's CPU time while it runs (for CPU-work checks). */
  sampleCpu?: boolean;
  /** Sample the group's resident memory while it runs (for the peak-memory check). */
  sampleMemory?: boolean;
}

export interface IdleCpuMeasurement {
  durationMs: number;
  cpuMs: number;
  maxPercent: number;
}

/**
 * How long to watch memory grow. A leak per finished job grows with the
 * jobs, not with the time, and a loaded machine runs fewer jobs a second;
 * so does a runtime's warm-up (a heap growing to its working size). So the
 * window opens once the program has written `warmUpLines` lines since it
 * started (or after `maxWarmUpMs` more), then lasts `durationMs`, and longer,
 * up to `maxDurationMs`, until the program has written `minLines` lines
 * during it.
 */
export interface RssGrowthWindow {
  warmUpLines?: number;
  maxWarmUpMs?: number;
  durationMs: number;
  minLines?: number;
  maxDurationMs?: number;
}

/**
 * Resident memory of the process group over a window of a long run. A
 * collector lets memory rise and fall between collections, so one sample at
 * each end would be at the mercy of where each falls: the baseline is the
 * lowest sample of the window's first second (the floor once collected),
 * the end the highest of its last second (what a leak pushes up).
 */
export interface RssGrowthMeasurement {
  /** How long the window lasted. */
  durationMs: number;
  /** Lines the program wrote during it. */
  lines: number;
  baselineMb: number;
  endMb: number;
  maxGrowthMb: number;
}

/** A signal the runner sent, and how much of the output it had read by then. */
export interface DeliveredSignal {
  signal: string;
  to: string;
  atMs: number;
  /**
   * Complete stdout lines read when the signal was sent. They were written
   * before it; a line after them may have been written before it too, if it
   * was still in the pipe, or after it.
   */
  linesBefore: number;
}

export interface RunResult {
  command: string[];
  stdout: string;
  stderr: string;
  exitCode: number | null;
  killedBy: string | null;
  /** From spawn to exit, measured outside the program. */
  wallMs: number;
  signalsDelivered: DeliveredSignal[];
  hardTimedOut: boolean;
  idleCpu: IdleCpuMeasurement[];
  rssGrowth: RssGrowthMeasurement[];
  /** The most resident memory the process group held at once (undefined: not measured). */
  peakRssMb?: number;
  /**
   * CPU time of the program and its descendants (undefined: not measured).
   * The larger of two lower estimates: the highest sample of the group while
   * it ran, and what this process's reaped children grew by (which counts
   * the program's last moments, but also any other child of this process
   * that ended meanwhile; the suite only asks for a lower bound).
   */
  cpuMs?: number;
  /** Processes of the group still alive a while after the program exited. */
  leftovers: number[];
  /** Actions that could not run because the program had already exited. */
  skippedActions: string[];
}

const CPU_SAMPLE_INTERVAL_MS = 25;
const MEMORY_SAMPLE_INTERVAL_MS = 50;
const RSS_GROWTH_SAMPLE_INTERVAL_MS = 100;
const MB = 1024 * 1024;

// Programs run detached, so they would outlive a test run that is itself
// interrupted: kill whatever groups are still running when this process ends.
const runningGroups = new Set<number>();
process.once('exit', () => {
  for (const group of runningGroups) killGroup(group);
});

function killGroup(group: number): void {
  try {
    process.kill(-group, 'SIGKILL');
  } catch {
    // the group is already gone
  }
}
// Helpers such as Python's multiprocessing resource tracker and forkserver
// exit by themselves once the program is gone; on a loaded machine that
// takes a while. Anything still alive after this outlived the program.
const LEFTOVER_GRACE_MS = 3000;

export async function runProgram(subject: Subject, request: RunRequest): Promise<RunResult> {
  const command = [...subject.command, ...request.args];
  const reapedBefore = reapedChildrenCpuMs();
  const startedAt = performance.now();
  const [program, ...programArgs] = command;
  if (program === undefined) throw new Error('the subject has an empty command');
  const child = spawn(program, programArgs, {
    cwd: subject.cwd,
    env: { ...process.env, ...subject.env },
    // Its own process group, so that a signal can go to the whole group the
    // way a terminal delivers Ctrl-C, and so that leftovers can be found.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const result: RunResult = {
    command,
    stdout: '',
    stderr: '',
    exitCode: null,
    killedBy: null,
    wallMs: 0,
    signalsDelivered: [],
    hardTimedOut: false,
    idleCpu: [],
    rssGrowth: [],
    leftovers: [],
    skippedActions: [],
  };
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${JSON.stringify(command)}: ${(await spawnError).message}`);
  runningGroups.add(pid);

  const events: ObservedEvent[] = [];
  const eventWaiters = new Set<() => void>();
  // Once no action waits for an event any more, lines are only counted:
  // a program writing hundreds of thousands of lines a second must not be
  // slowed down by a reader that parses each of them (a full pipe blocks
  // its writes).
  const actions = request.actions ?? [];
  let eventTriggersLeft = actions.filter((action) => action.after.event !== undefined).length;
  const stdoutChunks: string[] = [];
  let linesRead = 0;
  let pendingLine = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdoutChunks.push(chunk);
    if (eventTriggersLeft === 0) {
      for (let at = chunk.indexOf('\n'); at !== -1; at = chunk.indexOf('\n', at + 1)) linesRead++;
      return;
    }
    const lines = (pendingLine + chunk).split('\n');
    pendingLine = lines.pop() ?? '';
    linesRead += lines.length;
    for (const line of lines) {
      const event = request.eventOfLine(line);
      if (event) events.push(event);
    }
    for (const wake of eventWaiters) wake();
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    result.stderr += chunk;
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let running = true;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      running = false;
      result.wallMs = performance.now() - startedAt;
      result.exitCode = code;
      result.killedBy = signal;
      for (const wake of eventWaiters) wake();
      resolve();
    }),
  );

  const hardTimeout = setTimeout(() => {
    result.hardTimedOut = true;
    killGroup(pid);
  }, request.hardTimeoutMs);

  let cpuSampler: NodeJS.Timeout | undefined;
  if (request.sampleCpu && canMeasureCpu) {
    result.cpuMs = 0;
    cpuSampler = setInterval(() => {
      if (running) result.cpuMs = Math.max(result.cpuMs ?? 0, groupCpuMs(pid));
    }, CPU_SAMPLE_INTERVAL_MS);
  }
  let memorySampler: NodeJS.Timeout | undefined;
  if (request.sampleMemory && canMeasureCpu) {
    result.peakRssMb = 0;
    const sample = () => {
      if (running) result.peakRssMb = Math.max(result.peakRssMb ?? 0, groupRssBytes(pid) / MB);
    };
    sample();
    memorySampler = setInterval(sample, MEMORY_SAMPLE_INTERVAL_MS);
  }

  const countMatching = (trigger: Trigger) =>
    events.filter(
      (event) =>
        event.event === trigger.event &&
        Object.entries(trigger.where ?? {}).every(([field, value]) => event[field] === value),
    ).length;
  const waitForEvents = (trigger: Trigger) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!running || countMatching(trigger) >= (trigger.count ?? 1)) {
          eventWaiters.delete(check);
          resolve();
        }
      };
      eventWaiters.add(check);
      check();
    });

  const measureRssGrowth = async ({
    warmUpLines = 0,
    maxWarmUpMs = 0,
    durationMs,
    minLines = 0,
    maxDurationMs = durationMs,
  }: RssGrowthWindow): Promise<Omit<RssGrowthMeasurement, 'maxGrowthMb'>> => {
    const warmUpEnds = performance.now() + maxWarmUpMs;
    while (running && linesRead < warmUpLines && performance.now() < warmUpEnds) {
      await Promise.race([sleep(RSS_GROWTH_SAMPLE_INTERVAL_MS), exited]);
    }
    const samples: { atMs: number; mb: number }[] = [];
    const began = performance.now();
    const linesAtStart = linesRead;
    const windowOpen = (atMs: number) =>
      atMs <= durationMs || (linesRead - linesAtStart < minLines && atMs <= maxDurationMs);
    let atMs = 0;
    while (running && windowOpen(atMs)) {
      samples.push({ atMs, mb: groupRssBytes(pid) / MB });
      await Promise.race([sleep(RSS_GROWTH_SAMPLE_INTERVAL_MS), exited]);
      atMs = performance.now() - began;
    }
    const lastAtMs = samples.at(-1)?.atMs ?? 0;
    const edgeMs = Math.min(1000, durationMs / 4);
    const inFirstPart = samples.filter((sample) => sample.atMs <= edgeMs).map((sample) => sample.mb);
    const inLastPart = samples.filter((sample) => sample.atMs >= lastAtMs - edgeMs).map((sample) => sample.mb);
    return {
      durationMs: lastAtMs,
      lines: linesRead - linesAtStart,
      baselineMb: Math.min(...inFirstPart),
      endMb: Math.max(...inLastPart),
    };
  };

  const performActions = async () => {
    for (const action of actions) {
      if (action.after.event !== undefined) {
        await waitForEvents(action.after);
        eventTriggersLeft--;
      }
      if (action.after.delayMs) await Promise.race([sleep(action.after.delayMs), exited]);
      if (!running) {
        if (!action.optional) result.skippedActions.push(JSON.stringify(action));
        continue;
      }
      if ('signal' in action) {
        try {
          process.kill(action.to === 'group' ? -pid : pid, action.signal);
          result.signalsDelivered.push({
            signal: action.signal,
            to: action.to,
            atMs: performance.now() - startedAt,
            linesBefore: linesRead,
          });
        } catch {
          if (!action.optional) result.skippedActions.push(JSON.stringify(action));
        }
      } else if ('measureRssGrowth' in action) {
        const { maxGrowthMb, ...window } = action.measureRssGrowth;
        const measured = await measureRssGrowth(window);
        if (!running) {
          if (!action.optional) result.skippedActions.push(JSON.stringify(action));
          continue;
        }
        result.rssGrowth.push({ ...measured, maxGrowthMb });
      } else {
        const { durationMs, maxPercent } = action.measureIdleCpu;
        const before = groupCpuMs(pid);
        await Promise.race([sleep(durationMs), exited]);
        if (!running) {
          if (!action.optional) result.skippedActions.push(JSON.stringify(action));
          continue;
        }
        result.idleCpu.push({ durationMs, cpuMs: groupCpuMs(pid) - before, maxPercent });
      }
    }
  };

  await Promise.all([exited, performActions()]);
  clearTimeout(hardTimeout);
  clearInterval(cpuSampler);
  clearInterval(memorySampler);
  if (result.cpuMs !== undefined) result.cpuMs = Math.max(result.cpuMs, reapedChildrenCpuMs() - reapedBefore);
  // The leader is gone; give its children a moment to finish exiting, then
  // anything left in the group outlived the program.
  await Promise.race([closed, sleep(LEFTOVER_GRACE_MS)]);
  for (let waited = 0; waited < LEFTOVER_GRACE_MS; waited += 50) {
    result.leftovers = liveGroupMembers(pid);
    if (result.leftovers.length === 0) break;
    await sleep(50);
  }
  if (result.leftovers.length > 0) killGroup(pid);
  runningGroups.delete(pid);
  await Promise.race([closed, sleep(LEFTOVER_GRACE_MS)]);
  // Output written just before the exit may still have been in the pipe
  // then: it is all read once stdout closed.
  result.stdout = stdoutChunks.join('');
  return result;
}

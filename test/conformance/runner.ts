// Runs one program once: spawns it as the leader of its own process group,
// watches its output, sends the scenario's signals when their triggers are
// met, measures CPU where asked, and kills everything at the hard timeout.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { canMeasureCpu, groupCpuMs, liveGroupMembers, reapedChildrenCpuMs } from './proc.js';

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
}

export interface IdleCpuMeasurement {
  durationMs: number;
  cpuMs: number;
  maxPercent: number;
}

export interface RunResult {
  command: string[];
  stdout: string;
  stderr: string;
  exitCode: number | null;
  killedBy: string | null;
  /** From spawn to exit, measured outside the program. */
  wallMs: number;
  signalsDelivered: { signal: string; to: string; atMs: number }[];
  hardTimedOut: boolean;
  idleCpu: IdleCpuMeasurement[];
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
    leftovers: [],
    skippedActions: [],
  };
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${JSON.stringify(command)}: ${(await spawnError).message}`);
  runningGroups.add(pid);

  const events: ObservedEvent[] = [];
  const eventWaiters = new Set<() => void>();
  let pendingLine = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    result.stdout += chunk;
    const lines = (pendingLine + chunk).split('\n');
    pendingLine = lines.pop() ?? '';
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

  const performActions = async () => {
    for (const action of request.actions ?? []) {
      if (action.after.event !== undefined) await waitForEvents(action.after);
      if (action.after.delayMs) await Promise.race([sleep(action.after.delayMs), exited]);
      if (!running) {
        if (!action.optional) result.skippedActions.push(JSON.stringify(action));
        continue;
      }
      if ('signal' in action) {
        try {
          process.kill(action.to === 'group' ? -pid : pid, action.signal);
          result.signalsDelivered.push({ signal: action.signal, to: action.to, atMs: performance.now() - startedAt });
        } catch {
          if (!action.optional) result.skippedActions.push(JSON.stringify(action));
        }
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
  return result;
}

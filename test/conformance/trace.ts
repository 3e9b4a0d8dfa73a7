// Turns a program's stdout into events, in JSON mode and in human mode, and
// reports every line that is not what the contract allows.
import { INJECTED_FAILURE, KEY_ORDER, type Pattern, type RunOptions, workerKey } from './contract.js';

export interface TraceEvent {
  /** 1-based line number on stdout. */
  line: number;
  event: string;
  job?: number;
  worker?: number;
  /** Absent in human mode, which prints no times. */
  tMs?: number;
  result?: number;
  error?: string;
  signal?: string;
}

export interface Summary {
  line: number;
  pattern: string;
  target: string;
  submitted: number;
  completed: number;
  failed: number;
  timed_out: number;
  cancelled: number;
  max_concurrency: number;
  elapsed_ms: number;
}

export interface ParsedTrace {
  events: TraceEvent[];
  summaries: Summary[];
  problems: string[];
}

export function splitLines(stdout: string): { lines: string[]; problems: string[] } {
  if (stdout === '') return { lines: [], problems: [] };
  const problems: string[] = [];
  if (!stdout.endsWith('\n')) problems.push('stdout does not end with a newline (last line unterminated)');
  const lines = stdout.replace(/\n$/, '').split('\n');
  return { lines, problems };
}

function quote(line: string): string {
  return JSON.stringify(line.length > 160 ? `${line.slice(0, 160)}…` : line);
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** Whitespace outside string literals: the contract asks for compact JSON. */
function hasLooseWhitespace(line: string): boolean {
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const char = line.charAt(i);
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (/\s/.test(char)) return true;
  }
  return false;
}

export function parseJsonTrace(lines: readonly string[], pattern: Pattern): ParsedTrace {
  const trace: ParsedTrace = { events: [], summaries: [], problems: [] };
  lines.forEach((text, index) => {
    const line = index + 1;
    const where = `line ${line} ${quote(text)}`;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      trace.problems.push(`${where}: not JSON`);
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      trace.problems.push(`${where}: not a JSON object`);
      return;
    }
    const object = value as Record<string, unknown>;
    const event = object.event;
    if (typeof event !== 'string' || !Object.hasOwn(KEY_ORDER, event)) {
      trace.problems.push(`${where}: unknown event ${JSON.stringify(event)}`);
      return;
    }
    if (hasLooseWhitespace(text)) trace.problems.push(`${where}: not compact (whitespace outside strings)`);
    const expectedKeys = (KEY_ORDER[event] ?? []).flatMap((key) => {
      if (!key.endsWith('?')) return [key];
      const name = key.slice(0, -1);
      const rule = workerKey(pattern, event);
      if (rule === 'required') return [name];
      if (rule === 'optional' && name in object) return [name];
      return [];
    });
    const keys = Object.keys(object);
    if (keys.join(',') !== expectedKeys.join(',')) {
      trace.problems.push(`${where}: keys ${keys.join(',')}, expected ${expectedKeys.join(',')}`);
    }
    if (event === 'summary') {
      const summary = parseJsonSummary(object, line, where, trace.problems);
      if (summary) trace.summaries.push(summary);
      return;
    }
    const parsed: TraceEvent = { line, event };
    if ('job' in object) {
      if (isNonNegativeInteger(object.job) && object.job >= 1) parsed.job = object.job;
      else trace.problems.push(`${where}: job must be an integer ≥ 1`);
    }
    if ('worker' in object) {
      if (isNonNegativeInteger(object.worker)) parsed.worker = object.worker;
      else trace.problems.push(`${where}: worker must be an integer`);
    }
    if ('t_ms' in object) {
      if (typeof object.t_ms === 'number' && object.t_ms >= 0) parsed.tMs = object.t_ms;
      else trace.problems.push(`${where}: t_ms must be a number ≥ 0`);
    }
    if ('result' in object) {
      if (Number.isInteger(object.result)) parsed.result = object.result as number;
      else trace.problems.push(`${where}: result must be an integer`);
    }
    if ('error' in object) {
      if (typeof object.error === 'string') parsed.error = object.error;
      else trace.problems.push(`${where}: error must be a string`);
    }
    if ('signal' in object) {
      if (object.signal === 'SIGTERM' || object.signal === 'SIGINT') parsed.signal = object.signal;
      else trace.problems.push(`${where}: signal must be "SIGTERM" or "SIGINT"`);
    }
    trace.events.push(parsed);
  });
  return trace;
}

function parseJsonSummary(
  object: Record<string, unknown>,
  line: number,
  where: string,
  problems: string[],
): Summary | undefined {
  const counters = ['submitted', 'completed', 'failed', 'timed_out', 'cancelled', 'max_concurrency'] as const;
  let valid = true;
  for (const counter of counters) {
    if (!isNonNegativeInteger(object[counter])) {
      problems.push(`${where}: ${counter} must be an integer ≥ 0`);
      valid = false;
    }
  }
  if (typeof object.elapsed_ms !== 'number' || object.elapsed_ms < 0) {
    problems.push(`${where}: elapsed_ms must be a number ≥ 0`);
    valid = false;
  }
  if (typeof object.pattern !== 'string' || typeof object.target !== 'string') {
    problems.push(`${where}: pattern and target must be strings`);
    valid = false;
  }
  return valid ? ({ line, ...object } as unknown as Summary) : undefined;
}

// The human formats of docs/program-contract.md, one line per event.
const HUMAN_LINES: ReadonlyArray<[RegExp, (match: RegExpMatchArray, line: number) => TraceEvent]> = [
  [
    /^worker (\d+) processing job (\d+)$/,
    (m, line) => ({ line, event: 'start', worker: Number(m[1]), job: Number(m[2]) }),
  ],
  [/^job (\d+) started$/, (m, line) => ({ line, event: 'start', job: Number(m[1]) })],
  [/^job (\d+) done: (-?\d+)$/, (m, line) => ({ line, event: 'done', job: Number(m[1]), result: Number(m[2]) })],
  [/^job (\d+) failed: (.+)$/, (m, line) => ({ line, event: 'fail', job: Number(m[1]), error: m[2] ?? '' })],
  [/^job (\d+) cancelled$/, (m, line) => ({ line, event: 'cancel', job: Number(m[1]) })],
  [/^produced (\d+)$/, (m, line) => ({ line, event: 'produce', job: Number(m[1]) })],
  [/^consumed (\d+)$/, (m, line) => ({ line, event: 'consume', job: Number(m[1]) })],
  [/^ready: press Ctrl-C or send SIGTERM to stop$/, (_m, line) => ({ line, event: 'ready' })],
];
const HUMAN_TIMEOUT = /^job (\d+): request timed out after (\d+) ms$/;
const HUMAN_STOPPING = /^received (SIGTERM|SIGINT): stopping intake, draining in-flight jobs \(up to (\d+) ms\)$/;
const HUMAN_SUMMARY =
  /^summary: (\d+) submitted, (\d+) completed, (\d+) failed, (\d+) timed out, (\d+) cancelled, max concurrency (\d+), (\d+) ms \((\S+) on (\S+)\)$/;

export function parseHumanTrace(lines: readonly string[], options: RunOptions): ParsedTrace {
  const trace: ParsedTrace = { events: [], summaries: [], problems: [] };
  lines.forEach((text, index) => {
    const line = index + 1;
    const where = `line ${line} ${quote(text)}`;
    for (const [pattern, toEvent] of HUMAN_LINES) {
      const match = text.match(pattern);
      if (match) {
        trace.events.push(toEvent(match, line));
        return;
      }
    }
    let match = text.match(HUMAN_TIMEOUT);
    if (match) {
      if (Number(match[2]) !== options.timeoutMs)
        trace.problems.push(`${where}: expected "after ${options.timeoutMs} ms"`);
      trace.events.push({ line, event: 'timeout', job: Number(match[1]) });
      return;
    }
    match = text.match(HUMAN_STOPPING);
    if (match) {
      if (Number(match[2]) !== options.drainMs) trace.problems.push(`${where}: expected "up to ${options.drainMs} ms"`);
      trace.events.push({ line, event: 'stopping', signal: match[1] ?? '' });
      return;
    }
    match = text.match(HUMAN_SUMMARY);
    if (match) {
      const group = (index: number) => match?.[index] ?? '';
      trace.summaries.push({
        line,
        pattern: group(8),
        target: group(9),
        submitted: Number(group(1)),
        completed: Number(group(2)),
        failed: Number(group(3)),
        timed_out: Number(group(4)),
        cancelled: Number(group(5)),
        max_concurrency: Number(group(6)),
        elapsed_ms: Number(group(7)),
      });
      return;
    }
    trace.problems.push(`${where}: not one of the contract's human lines`);
  });
  return trace;
}

/** Checks the per-event facts that do not depend on other events. */
export function checkEventFields(events: readonly TraceEvent[], options: RunOptions, problems: string[]): void {
  for (const event of events) {
    const where = `line ${event.line} (${event.event} job ${event.job})`;
    if (event.worker !== undefined && (event.worker < 1 || event.worker > options.workers)) {
      problems.push(`${where}: worker ${event.worker} outside 1..${options.workers}`);
    }
    if (event.job === undefined) continue;
    if (event.event === 'done' && event.result !== event.job * 2) {
      problems.push(`${where}: result ${event.result}, expected ${event.job * 2}`);
    }
    const injected = options.failEvery > 0 && event.job % options.failEvery === 0;
    if (event.event === 'fail') {
      if (event.error !== INJECTED_FAILURE)
        problems.push(`${where}: error ${JSON.stringify(event.error)}, expected "${INJECTED_FAILURE}"`);
      if (!injected) problems.push(`${where}: failed, but --fail-every ${options.failEvery} does not select it`);
    }
    if (event.event === 'done' && injected) {
      problems.push(`${where}: done, but --fail-every ${options.failEvery} makes it fail`);
    }
  }
}

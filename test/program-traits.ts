// What the tests know about the generated programs beyond what the scaffolder
// ships: how each pattern's program behaves (docs/program-contract.md), and
// the environment that turns on each language's strict run-time checks. The
// conformance suite and the end-to-end matrix read these; the scaffolder never
// does, so they live here rather than in src/catalogue.ts.

import { patterns, type LanguageId, type ProgramDefaults } from '../src/catalogue.js';

/** What the generated program does for a pattern. */
export interface ProgramTraits extends ProgramDefaults {
  /** Whether numbered workers handle the jobs, so that events carry `worker`. */
  readonly numberedWorkers: boolean;
  /** What bounds the number of jobs running at once. */
  readonly concurrencyLimit: 'workers' | 'jobs';
  /** Whether every target must support --work cpu (elsewhere a target may refuse it with exit 2). */
  readonly cpuWorkRequired: boolean;
  /** The events the program writes, besides the summary. */
  readonly events: readonly string[];
}

type Behaviour = Omit<ProgramTraits, keyof ProgramDefaults>;

const behaviours: Readonly<Record<string, Behaviour>> = {
  'fan-out': {
    numberedWorkers: false,
    concurrencyLimit: 'jobs',
    cpuWorkRequired: true,
    events: ['start', 'done', 'fail', 'cancel'],
  },
  'producer-consumer': {
    numberedWorkers: true,
    concurrencyLimit: 'workers',
    cpuWorkRequired: false,
    events: ['produce', 'consume', 'start', 'done', 'fail', 'cancel'],
  },
  'worker-pool': {
    numberedWorkers: true,
    concurrencyLimit: 'workers',
    cpuWorkRequired: true,
    events: ['start', 'done', 'fail', 'cancel'],
  },
  timeout: {
    numberedWorkers: false,
    concurrencyLimit: 'workers',
    cpuWorkRequired: false,
    events: ['start', 'done', 'fail', 'timeout', 'cancel'],
  },
  'graceful-stop': {
    numberedWorkers: true,
    concurrencyLimit: 'workers',
    cpuWorkRequired: false,
    events: ['ready', 'stopping', 'start', 'done', 'fail', 'cancel'],
  },
};

/** Every catalogue pattern's traits, by pattern id; the defaults come from the catalogue itself. */
export const programTraits: Readonly<Record<string, ProgramTraits>> = Object.fromEntries(
  patterns.map((pattern) => {
    const behaviour = behaviours[pattern.id];
    if (!behaviour) throw new Error(`test/program-traits.ts has no traits for the pattern "${pattern.id}"`);
    return [pattern.id, { ...pattern.program, ...behaviour }];
  }),
);

/**
 * By target, where it differs from the checker's default: how far (ms) a
 * line's `t_ms` may go back from an earlier line's. A process pool's parent
 * writes a job's `start` once it reads the worker's report, at the time the
 * worker began the job; on a loaded machine that report is read up to 200 ms
 * late, and the lines written meanwhile carry later times. Where events are
 * written where they happen, only threads racing for the output reorder them.
 */
const clockTolerancesMs: Readonly<Record<string, number>> = { 'python-multiprocessing': 1000 };

/** How far back a target's `t_ms` may go between lines, if not the checker's default. */
export function clockToleranceMs(target: string): number | undefined {
  return clockTolerancesMs[target];
}

// What `python -X dev -W error` turns on, for programs started by tests.
const pythonStrictEnv = { PYTHONDEVMODE: '1', PYTHONWARNINGS: 'error' };

/** By language: the environment that turns on the ecosystem's strict run-time checks. */
export const strictEnv: Readonly<Record<LanguageId, Readonly<Record<string, string>>>> = {
  python: pythonStrictEnv,
  go: {},
  typescript: { NODE_OPTIONS: '--unhandled-rejections=strict' },
};

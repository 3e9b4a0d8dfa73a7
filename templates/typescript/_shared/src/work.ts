import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import { InjectedFailure } from './errors.js';
import type { ThreadPool } from './thread-pool.js';

/** One job's work: resolves with its result, rejects if it fails or `signal` aborts it. */
export type Work = (job: number, signal: AbortSignal) => Promise<number>;

export interface WorkOptions {
  workMs: number;
  failEvery: number;
}

/** CPU work runs on these threads, `iterationsPerMs` (from `calibrate`) per millisecond. */
export interface CpuPool {
  threads: ThreadPool;
  iterationsPerMs: number;
}

/**
 * The simulated job: `workMs` of waiting (io) or of computing on a pool thread (cpu), then the
 * result `job * 2`, or the injected failure for every `failEvery`-th job.
 */
export function simulatedWork({ workMs, failEvery }: WorkOptions, cpu?: CpuPool): Work {
  return async (job, signal) => {
    if (cpu === undefined && workMs === 0) {
      // No timer: Node runs a 0 ms timer after 1 ms at the earliest. But still one turn of the
      // event loop, so that a long run of empty jobs lets signals and output through, and the
      // signal still cancels the job.
      await yieldToEventLoop(undefined, { signal });
    } else if (cpu === undefined) {
      // A timer, not a loop: waiting costs no CPU, and the signal cancels it at once.
      await sleep(workMs, undefined, { signal });
    } else {
      await cpu.threads.run(Math.round(workMs * cpu.iterationsPerMs), signal);
    }
    if (failEvery > 0 && job % failEvery === 0) throw new InjectedFailure(job);
    return job * 2;
  };
}

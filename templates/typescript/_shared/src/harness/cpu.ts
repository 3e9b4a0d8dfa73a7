// The CPU work of `--work cpu`. In a worker thread of the thread pool, this module computes the
// jobs the pool sends it; the main thread calibrates with it.
import { parentPort } from 'node:worker_threads';

/** A fixed amount of computation; its result is returned so that the JIT cannot drop the loop. */
export function compute(iterations: number): number {
  let x = 0x9e3779b9;
  for (let i = 0; i < iterations; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x >>> 0;
}

/**
 * How many iterations of `compute` one core runs per ms, so that a job computes for `work-ms`
 * rather than spinning until a clock says so, which would hide whether jobs ran in parallel.
 * The fastest of 5 samples of 20 ms: early ones run before the JIT compiled the loop.
 */
export function calibrate(): number {
  let [iterations, best] = [10_000, 0];
  for (let samples = 0; samples < 5;) {
    const started = performance.now();
    compute(iterations);
    const elapsed = performance.now() - started;
    if (elapsed < 20) iterations *= 2;
    else [best, samples] = [Math.max(best, iterations / elapsed), samples + 1];
  }
  return Math.round(best);
}

parentPort?.on('message', (iterations: number) => parentPort!.postMessage(compute(iterations)));

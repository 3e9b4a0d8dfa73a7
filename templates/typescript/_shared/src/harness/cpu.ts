/**
 * A fixed amount of deterministic computation (xorshift32 rounds). The result is returned so
 * that the JIT cannot drop the loop as dead code.
 */
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
 * How many iterations of `compute` one core runs per millisecond. A job gets `work-ms` worth of
 * iterations: a loop that spun until a clock said `work-ms` had passed would finish "on time"
 * however little CPU it got, and hide whether the work really ran in parallel.
 */
export function calibrate(sampleMs = 20): number {
  let iterations = 10_000;
  let best = 0;
  // Early samples run before the JIT has compiled the loop, and any may be slowed by another
  // process: grow the sample to `sampleMs`, then keep the fastest of a few.
  for (let samples = 0; samples < 5;) {
    const started = performance.now();
    compute(iterations);
    const elapsed = performance.now() - started;
    if (elapsed < sampleMs) iterations *= 2;
    else [best, samples] = [Math.max(best, iterations / elapsed), samples + 1];
  }
  return Math.round(best);
}

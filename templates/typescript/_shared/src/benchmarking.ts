// Small helpers for `npm run bench`: time a function, print a figure beside its baseline.

/** Runs `fn` once to warm up, then `runs` times, and returns the median wall time in ms. */
export async function median(fn: () => Promise<unknown>, runs = 5): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)] ?? Number.NaN;
}

/** Prints one figure, and how it compares with the baseline measured in the same run. */
export function report(label: string, value: number, unit: string, baseline?: number): void {
  const figure = `${value.toFixed(value < 10 ? 2 : 1)} ${unit}`;
  let comparison = '';
  if (baseline !== undefined) {
    comparison =
      value <= baseline
        ? `  ${(baseline / value).toFixed(1)}x faster than the baseline`
        : `  ${(value / baseline).toFixed(1)}x slower than the baseline`;
  }
  console.log(`${label.padEnd(60)} ${figure.padStart(12)}${comparison}`);
}

/** A signal that never aborts, for the runs that are not stopped. */
export const never = new AbortController().signal;

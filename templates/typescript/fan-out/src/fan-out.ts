import { ChildSignals } from './signals.js';

/** One unit of work in a fan-out: it gets a signal, and must stop when that signal aborts. */
export type Task<R> = (signal: AbortSignal) => Promise<R>;

/**
 * Starts every task at once and waits for all of them. Resolves with one outcome per task, in
 * the order of `tasks`, only once every task has settled: a failing task is reported in its
 * place and neither stops nor hides the others. Aborting `signal` asks every task to stop.
 */
export async function fanOut<R>(
  tasks: readonly Task<R>[],
  signal: AbortSignal,
): Promise<PromiseSettledResult<R>[]> {
  // Each task gets a signal of its own, linked to `signal` by one listener: thousands of tasks
  // each listening to `signal` itself would make starting them quadratic (see `ChildSignals`).
  const children = new ChildSignals(signal);
  try {
    // `allSettled`, not `all`: `Promise.all` rejects at the first failure while the other tasks
    // keep running, unobserved, past the join. And `children.run` turns a task that throws
    // before returning its promise into one more rejected outcome, instead of an exception that
    // leaves the tasks already started running with nobody waiting for them.
    return await Promise.allSettled(tasks.map((task) => children.run(task)));
  } finally {
    children.close();
  }
}

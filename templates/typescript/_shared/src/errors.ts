/** The failure `--fail-every` injects into every K-th job, after its work is done. */
export class InjectedFailure extends Error {
  override name = 'InjectedFailure';

  constructor(readonly job: number) {
    super('injected failure');
  }
}

/** An operation that did not finish before its deadline. */
export class TimeoutError extends Error {
  override name = 'TimeoutError';

  constructor(
    readonly timeoutMs: number,
    options?: ErrorOptions,
  ) {
    super(`operation timed out after ${timeoutMs} ms`, options);
  }
}

/** A command line the program cannot run: it exits 2 with this message. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Why a run was stopped: the program received SIGINT or SIGTERM. */
export class StopRequested extends Error {
  override name = 'StopRequested';

  constructor(readonly signal: NodeJS.Signals) {
    super(`received ${signal}`);
  }
}

/**
 * What went wrong, as text, whatever was thrown. Never throws itself: code may throw anything,
 * including an object without `toString` or one whose `message` getter throws, and the report
 * of that failure must not become a second, unreported one.
 */
export function describeError(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    try {
      return Object.prototype.toString.call(error);
    } catch {
      return '<unprintable error>';
    }
  }
}

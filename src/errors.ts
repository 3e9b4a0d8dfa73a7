/** Bad input from the user: exit 2, nothing written. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** The project could not be written or set up: exit 1. */
export class GenerationError extends Error {
  override readonly name = 'GenerationError';
  constructor(
    message: string,
    readonly hint?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

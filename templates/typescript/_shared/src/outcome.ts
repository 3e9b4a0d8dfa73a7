/**
 * What became of one job: `ok` with the `value` its handler returned, or not `ok` with the
 * `error` it threw or rejected with (anything can be thrown, hence `unknown`).
 */
export type Outcome<J, R> = { job: J; ok: true; value: R } | { job: J; ok: false; error: unknown };

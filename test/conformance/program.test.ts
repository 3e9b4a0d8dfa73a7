// Runs the conformance suite against one program named in the environment,
// so that a template author can check a rendered project by hand:
//
//   CONFORMANCE_TARGET=go CONFORMANCE_PATTERN=worker-pool \
//   CONFORMANCE_CWD=/tmp/cw CONFORMANCE_COMMAND='["./app"]' \
//   npx vitest run test/conformance/program.test.ts
//
// Optional: CONFORMANCE_ENV (a JSON object of extra environment variables),
// CONFORMANCE_ONLY (comma-separated scenario names), CONFORMANCE_VERBOSE=1
// (print each scenario's wall time, exit code and CPU figures).
import { test } from 'vitest';
import { defineConformanceSuite } from './suite.js';

const { CONFORMANCE_TARGET, CONFORMANCE_PATTERN, CONFORMANCE_CWD, CONFORMANCE_COMMAND } = process.env;

if (CONFORMANCE_TARGET && CONFORMANCE_PATTERN && CONFORMANCE_CWD && CONFORMANCE_COMMAND) {
  defineConformanceSuite(
    {
      target: CONFORMANCE_TARGET,
      pattern: CONFORMANCE_PATTERN,
      cwd: CONFORMANCE_CWD,
      command: JSON.parse(CONFORMANCE_COMMAND) as string[],
      env: process.env.CONFORMANCE_ENV
        ? (JSON.parse(process.env.CONFORMANCE_ENV) as Record<string, string>)
        : undefined,
    },
    {
      only: process.env.CONFORMANCE_ONLY?.split(',').map((name) => name.trim()),
      verbose: process.env.CONFORMANCE_VERBOSE === '1',
    },
  );
} else {
  test('conformance of one program', (context) => {
    context.skip(
      'no program given: set CONFORMANCE_TARGET, CONFORMANCE_PATTERN, CONFORMANCE_CWD and CONFORMANCE_COMMAND (a JSON array) to run the suite against it',
    );
  });
}

import { availableParallelism } from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

// The Python dev tools live in a virtual environment that
// scripts/ensure-toolchains.mjs (npm test's pretest) creates. Its bin folder
// comes first on PATH, so the tests' `python3`, `ruff` and `mypy` are the
// pinned ones, and the contributor's own Python is left as it is.
const pythonTools = path.join(
  import.meta.dirname,
  '.cache',
  'python-tools',
  process.platform === 'win32' ? 'Scripts' : 'bin',
);

export default defineConfig({
  test: {
    // A deadlock must fail, not hang: every test has a hard limit. The
    // integration suites set longer ones where they build and run projects.
    testTimeout: 30_000,
    pool: 'forks',
    // The end-to-end tests mostly wait on the programs they run (jobs that
    // sleep, claim times, drain deadlines): two test files at once on two
    // cores cut the suite from 44 to 27 minutes (2026-12-02). Vitest's own
    // default is one file per core less one.
    maxWorkers: Math.max(2, availableParallelism()),
    env: { PATH: [pythonTools, process.env.PATH].join(path.delimiter) },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/conformance/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/cli/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/browser/**/*.test.ts'],
          globalSetup: ['test/setup/packed-cli.ts'],
          hookTimeout: 600_000,
        },
      },
    ],
  },
});

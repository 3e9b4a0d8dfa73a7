import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // A deadlock must fail, not hang: every test has a hard limit. The
    // integration suites set longer ones where they build and run projects.
    testTimeout: 30_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/conformance/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/cli/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          globalSetup: ['test/setup/packed-cli.ts'],
          hookTimeout: 600_000,
        },
      },
    ],
  },
});

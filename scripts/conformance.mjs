#!/usr/bin/env node
// Runs the conformance suite (test/conformance/) against one generated
// project, for a template author checking a change by hand. The end-to-end
// matrix runs the same suite against every combination; this runs it
// against one, in seconds, without generating anything.
//
//   npm run build && node bin/create-concur-pattern.js /tmp/cw -p worker-pool -t go --no-git
//   node scripts/conformance.mjs /tmp/cw --target go --pattern worker-pool
//
// It builds the project first where its target has a build step (TypeScript
// needs `npm install` done), then runs the program the way the target's
// catalogue entry says, with the target's strict environment. Exit 0 when
// every check passed.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startVitest } from 'vitest/node';

const usage = `usage: node scripts/conformance.mjs <project-dir> --target <id> --pattern <id> [options] [-- <command>…]

  -t, --target <id>    the project's target (go, typescript, python-asyncio, …)
  -p, --pattern <id>   the project's pattern (fan-out, worker-pool, …)
  -n, --name <name>    the project name it was generated with (default: the directory's name)
  --only <a,b>         run only these scenarios (bad flags and --help always run)
  --env <json>         extra environment variables, e.g. '{"GOMAXPROCS":"1"}'
  --skip-build         do not run the target's build step first
  --verbose            print each scenario's wall time, exit code, CPU and memory figures
  -- <command>…        run this instead of the target's program command (from the project directory)
`;

const argv = process.argv.slice(2);
const separator = argv.indexOf('--');
const command = separator === -1 ? [] : argv.slice(separator + 1);
let parsed;
try {
  parsed = parseArgs({
    args: separator === -1 ? argv : argv.slice(0, separator),
    allowPositionals: true,
    options: {
      target: { type: 'string', short: 't' },
      pattern: { type: 'string', short: 'p' },
      name: { type: 'string', short: 'n' },
      only: { type: 'string' },
      env: { type: 'string' },
      'skip-build': { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
} catch (error) {
  process.stderr.write(`${error.message}\n${usage}`);
  process.exit(2);
}
const { values, positionals } = parsed;
if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}
if (positionals.length !== 1 || !values.target || !values.pattern) {
  process.stderr.write(usage);
  process.exit(2);
}

// The suite reads what to run from the environment (see program.conformance.ts).
const projectDir = path.resolve(positionals[0]);
Object.assign(process.env, {
  CONFORMANCE_TARGET: values.target,
  CONFORMANCE_PATTERN: values.pattern,
  CONFORMANCE_CWD: projectDir,
  CONFORMANCE_NAME: values.name ?? path.basename(projectDir),
  CONFORMANCE_BUILD: values['skip-build'] ? '0' : '1',
  CONFORMANCE_VERBOSE: values.verbose ? '1' : '0',
  ...(command.length > 0 && { CONFORMANCE_COMMAND: JSON.stringify(command) }),
  ...(values.only && { CONFORMANCE_ONLY: values.only }),
  ...(values.env && { CONFORMANCE_ENV: values.env }),
});

const repoRoot = path.resolve(import.meta.dirname, '..');
const vitest = await startVitest('test', [], {
  root: repoRoot,
  // Not the repository's config: its projects leave this file out on purpose.
  config: false,
  watch: false,
  include: ['test/conformance/program.conformance.ts'],
  pool: 'forks',
  testTimeout: 30_000,
  hookTimeout: 600_000,
});
await vitest?.close();

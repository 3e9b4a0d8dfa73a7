#!/usr/bin/env node
import module from 'node:module';
import process from 'node:process';

// Node 22.1+ caches compiled code between runs, so the second start is faster.
module.enableCompileCache?.();

// Prompts read Ctrl-C as a key; after them, a signal aborts the run so that
// nothing is left half-written (main reports it and exits 130).
const interruption = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => interruption.abort());

const { main } = await import('../dist/cli.js');
process.exitCode = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
  cwd: process.cwd(),
  env: process.env,
  signal: interruption.signal,
  beforeWrite: testHook(process.env.CREATE_CONCUR_PATTERN_TEST_PAUSE_BEFORE_WRITE),
});
process.exit();

/**
 * Tests only: with the variable set, announce on stderr that the project is
 * rendered and wait, without writing, until a signal arrives, so a test can
 * interrupt exactly there.
 */
function testHook(enabled) {
  if (!enabled) return undefined;
  return async () => {
    process.stderr.write('test: paused before writing\n');
    // A timer keeps the process alive while it waits: a pending promise alone does not.
    const alive = setInterval(() => {}, 60_000);
    await new Promise((resolve) => interruption.signal.addEventListener('abort', resolve, { once: true }));
    clearInterval(alive);
  };
}

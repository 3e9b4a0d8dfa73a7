#!/usr/bin/env node
import module from 'node:module';
import process from 'node:process';

// Node 22.1+ caches compiled code between runs; Yeoman's many modules load faster.
module.enableCompileCache?.();

// Prompts read Ctrl-C as a key; after them, a signal aborts the run so that
// nothing is left half-written (main reports it and exits 130).
const interruption = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => interruption.abort());

const { main } = await import('../dist/src/cli.js');
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
  cwd: process.cwd(),
  env: process.env,
  signal: interruption.signal,
});
process.exit();

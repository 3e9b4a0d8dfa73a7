#!/usr/bin/env node
import module from 'node:module';
import process from 'node:process';

// Node 22.1+ caches compiled code between runs; Yeoman's many modules load faster.
module.enableCompileCache?.();

const { main } = await import('../dist/src/cli.js');
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
  cwd: process.cwd(),
  env: process.env,
});

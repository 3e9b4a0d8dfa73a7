#!/usr/bin/env node
import process from 'node:process';
import { main } from '../dist/src/cli.js';

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
  cwd: process.cwd(),
  env: process.env,
});

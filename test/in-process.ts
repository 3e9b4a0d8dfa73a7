// main() in-process with a fake io and no terminal, for the unit tests: the
// command line's whole behaviour without spawning the bin (test/cli does that).
import { Writable } from 'node:stream';
import { main, type Io } from '../src/cli.js';

class Captured extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

export interface InProcessOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** A Ctrl-C arrives once everything is rendered, just before the first write. */
  interrupt?: boolean;
}

/** Runs main(argv) without a terminal; stdin must never be read. */
export async function runMain(
  argv: string[],
  { cwd, env = {}, interrupt = false }: InProcessOptions,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Captured();
  const stderr = new Captured();
  const controller = new AbortController();
  const io: Io = {
    stdin: process.stdin,
    stdout,
    stderr,
    interactive: false,
    cwd,
    env,
    signal: controller.signal,
    ...(interrupt ? { beforeWrite: async () => controller.abort() } : {}),
  };
  const code = await main(argv, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

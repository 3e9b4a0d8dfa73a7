// The scaffolder's command line (SPEC §2), run as users run it: the packed
// and installed bin, in a temporary folder, without and with a terminal.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { brokers, combinations, patterns, targets } from '../../src/catalogue.js';
import { badInvocations, prepareFor } from '../bad-invocations.js';

const cliBin = inject('cliBin');
let workDir: string;

beforeEach(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ccp-cli-'));
});
afterEach(async () => {
  await fs.rm(workDir, { recursive: true, force: true });
});

/** Runs the bin without a terminal (stdin is not a TTY). */
function cli(args: string[], env: Record<string, string> = {}) {
  return execa(cliBin, args, {
    cwd: workDir,
    reject: false,
    stdin: 'ignore',
    env: { npm_config_user_agent: '', ...env },
  });
}

async function listTree(root: string): Promise<string[]> {
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .sort();
}

describe('informational commands', () => {
  it('--help names every option, pattern and target', async () => {
    const { exitCode, stdout } = await cli(['--help']);
    expect(exitCode).toBe(0);
    for (const flag of [
      '--pattern',
      '--target',
      '--name',
      '--yes',
      '--force',
      '--dry-run',
      '--list',
      '--install',
      '--git',
      '--broker',
    ]) {
      expect(stdout).toContain(flag);
    }
    for (const entry of [...patterns, ...targets]) expect(stdout).toContain(entry.id);
    expect(stdout).toContain(`all, or a comma list such as\n${' '.repeat(23)}${targets[0]!.id},${targets[1]!.id}`);
  });

  it('--list prints one line per combination, a broker form included', async () => {
    const { exitCode, stdout } = await cli(['--list']);
    expect(exitCode).toBe(0);
    const lines = stdout.trim().split('\n');
    const brokerForms = combinations().flatMap(({ pattern }) => brokers.filter((b) => b.patterns.includes(pattern.id)));
    expect(lines).toHaveLength(combinations().length + brokerForms.length);
    for (const { pattern, target } of combinations()) {
      expect(lines.some((line) => line.startsWith(`${pattern.id} ${target.id} `))).toBe(true);
      for (const broker of brokers.filter((b) => b.patterns.includes(pattern.id))) {
        expect(lines).toContainEqual(expect.stringMatching(`^${pattern.id} ${target.id} --broker ${broker.id} `));
      }
    }
  });

  it('--version prints the package version', async () => {
    const manifest = JSON.parse(await fs.readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect((await cli(['--version'])).stdout).toBe(manifest.version);
  });
});

describe('generating without a terminal', () => {
  it('writes the project from flags and prints next steps', async () => {
    const { exitCode, stdout } = await cli(['svc', '--pattern', 'timeout', '--target', 'python-asyncio']);
    expect(exitCode).toBe(0);
    const files = await listTree(path.join(workDir, 'svc'));
    expect(files).toContain('README.md');
    expect(files).toContain('.gitignore');
    expect(files).toContain('pyproject.toml');
    expect(files.some((file) => file.startsWith(`svc${path.sep}`))).toBe(true);
    expect(stdout).toContain('cd svc');
    expect(stdout).toContain('python3 -m svc');
  });

  it('--yes takes the documented defaults', async () => {
    const { exitCode } = await cli(['--yes']);
    expect(exitCode).toBe(0);
    expect(await listTree(path.join(workDir, 'worker-pool-go'))).toContain('go.mod');
  });

  it('--name sets the name and, without a directory, the directory', async () => {
    const { exitCode } = await cli(['--name', 'my-pool', '-p', 'worker-pool', '-t', 'go']);
    expect(exitCode).toBe(0);
    expect(await fs.readFile(path.join(workDir, 'my-pool', 'go.mod'), 'utf8')).toMatch(/^module my-pool$/m);
  });

  it('accepts aliases', async () => {
    expect((await cli(['x', '-p', 'pool', '-t', 'golang'])).exitCode).toBe(0);
  });

  it('--dry-run lists the files and writes nothing', async () => {
    const { exitCode, stdout } = await cli(['app', '-p', 'fan-out', '-t', 'typescript', '--dry-run']);
    expect(exitCode).toBe(0);
    expect(stdout).toContain('package.json');
    expect(stdout).toContain('README.md');
    expect(await fs.readdir(workDir)).toEqual([]);
  });

  it('uses the package manager that invoked it in the next steps', async () => {
    const env = { npm_config_user_agent: 'pnpm/9.12.0 npm/? node/v20.19.0 linux x64' };
    const { stdout } = await cli(['web', '-p', 'worker-pool', '-t', 'typescript'], env);
    expect(stdout).toContain('pnpm install');
    expect(stdout).toMatch(/^\s+pnpm start\s/m);
    expect(stdout).toContain('pnpm test');
    expect(stdout).not.toMatch(/^\s*npm /m);
  });

  it('--force writes into a non-empty directory, replacing only files with the same names', async () => {
    const directory = path.join(workDir, 'existing');
    await fs.mkdir(directory);
    await fs.writeFile(path.join(directory, 'notes.txt'), 'mine');
    await fs.writeFile(path.join(directory, 'README.md'), 'old');
    const { exitCode } = await cli(['existing', '-p', 'fan-out', '-t', 'go', '--force']);
    expect(exitCode).toBe(0);
    expect(await fs.readFile(path.join(directory, 'notes.txt'), 'utf8')).toBe('mine');
    expect(await fs.readFile(path.join(directory, 'README.md'), 'utf8')).toContain('Fan-out');
  });

  it('a failure while writing leaves the directory as it was', async () => {
    const directory = path.join(workDir, 'existing');
    await fs.mkdir(path.join(directory, 'README.md'), { recursive: true }); // a folder where a file must go
    await fs.writeFile(path.join(directory, 'go.mod'), 'module mine\n');
    const before = await listTree(directory);
    const { exitCode, stderr } = await cli(['existing', '-p', 'worker-pool', '-t', 'go', '--force']);
    expect(exitCode).toBe(1);
    expect(stderr).toMatch(/^error: could not write the project: .*\nhint: nothing was written/);
    expect(await listTree(directory)).toEqual(before);
    expect(await fs.readFile(path.join(directory, 'go.mod'), 'utf8')).toBe('module mine\n');
  });

  it('a signal after rendering, before writing, exits 130 and writes nothing', async () => {
    const child = execa(cliBin, ['late', '-p', 'worker-pool', '-t', 'go'], {
      cwd: workDir,
      reject: false,
      stdin: 'ignore',
      env: { CREATE_CONCUR_PATTERN_TEST_PAUSE_BEFORE_WRITE: '1' },
    });
    // The bin announces when it has rendered the project and waits there, so
    // the signal lands at that point however fast or slow the machine is.
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      child.stderr.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('test: paused before writing')) resolve();
      });
      child.once('exit', () => reject(new Error(`exited before pausing: ${seen}`)));
    });
    child.kill('SIGINT');
    const { exitCode, stderr } = await child;
    expect(exitCode, stderr).toBe(130);
    expect(stderr).toContain('cancelled: nothing was written');
    expect(await fs.readdir(workDir)).toEqual([]);
  });

  it('--git makes a repository with one commit', async () => {
    const identity = {
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    };
    const { exitCode } = await cli(['repo', '-p', 'timeout', '-t', 'go', '--git'], identity);
    expect(exitCode).toBe(0);
    const log = await execa('git', ['log', '--oneline'], { cwd: path.join(workDir, 'repo') });
    expect(log.stdout.trim().split('\n')).toHaveLength(1);
    const status = await execa('git', ['status', '--porcelain'], { cwd: path.join(workDir, 'repo') });
    expect(status.stdout).toBe('');
  });
});

// Every bad input is refused in-process by test/unit/main.test.ts; these few
// check that the installed bin reports them the same way.
const throughTheBin = new Set(['unknown pattern', 'non-empty directory', 'missing options without a terminal']);

describe('bad input: one-line error, a hint, exit 2, nothing written', () => {
  for (const bad of badInvocations.filter(({ why }) => throughTheBin.has(why))) {
    it(bad.why, async () => {
      await prepareFor(bad, workDir);
      const before = await listTree(workDir);
      const { exitCode, stdout, stderr } = await cli(bad.args);
      expect(exitCode).toBe(2);
      expect(stdout).toBe('');
      const [errorLine, hintLine, ...rest] = stderr.split('\n');
      expect(errorLine).toMatch(/^error: /);
      expect(errorLine).toContain(bad.error);
      expect(hintLine).toMatch(/^hint: /);
      if (bad.hint) expect(hintLine).toContain(bad.hint);
      expect(rest).toEqual([]);
      expect(await listTree(workDir)).toEqual(before);
    });
  }
});

describe('in a terminal', () => {
  const driver = path.join(import.meta.dirname, 'pty-driver.py');
  async function session(args: string[], steps: Array<{ expect: string; send: string }>) {
    const request = { command: [cliBin, ...args], cwd: workDir, steps, timeout: 40 };
    const { stdout } = await execa('python3', [driver, JSON.stringify(request)]);
    return JSON.parse(stdout) as { exit: number | null; screen: string };
  }
  const down = '\u001b[B';
  const enter = '\r';

  it('asks for pattern, target and name, each with a description', async () => {
    const result = await session(
      [],
      [
        { expect: 'Which concurrency pattern?', send: down + down + enter }, // worker-pool
        { expect: 'In which language', send: down + enter }, // python-threading
        { expect: 'Where do the jobs come from?', send: enter }, // in-process
        { expect: 'Project name', send: 'my-pool' + enter },
      ],
    );
    expect(result.exit, result.screen).toBe(0);
    expect(result.screen).toContain(patterns[0]!.summary);
    expect(result.screen).toContain(targets[0]!.summary);
    // SPEC §2: once answered, a prompt's line shows the chosen id alone.
    const shown = result.screen.replaceAll(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    expect(shown).toMatch(/Which concurrency pattern\? worker-pool\s*$/m);
    expect(shown).toMatch(/In which language and concurrency model\? python-threading\s*$/m);
    expect(await fs.readFile(path.join(workDir, 'my-pool', 'pyproject.toml'), 'utf8')).toContain('my-pool');
  });

  it('asks for a broker only where the pattern has a distributed form, and --broker narrows the patterns', async () => {
    const asked = await session(
      ['-t', 'go', '--dry-run'],
      [
        { expect: 'Which concurrency pattern?', send: down + enter }, // producer-consumer
        { expect: 'Where do the jobs come from?', send: down + enter }, // redis
        { expect: 'Project name', send: 'svc' + enter },
      ],
    );
    expect(asked.exit, asked.screen).toBe(0);
    expect(asked.screen).toContain('through Redis Streams');
    const notAsked = await session(
      ['-t', 'go', '--dry-run'],
      [
        { expect: 'Which concurrency pattern?', send: enter }, // fan-out
        { expect: 'Project name', send: 'svc' + enter },
      ],
    );
    expect(notAsked.exit, notAsked.screen).toBe(0);
    expect(notAsked.screen).not.toContain('Where do the jobs come from?');
    const narrowed = await session(
      ['--broker', 'redis', '-t', 'go', '--dry-run'],
      [
        { expect: 'Which concurrency pattern?', send: enter },
        { expect: 'Project name', send: 'svc' + enter },
      ],
    );
    expect(narrowed.exit, narrowed.screen).toBe(0);
    expect(narrowed.screen).not.toContain(patterns.find((p) => p.id === 'fan-out')!.summary);
  });

  it('does not ask again what flags gave', async () => {
    const result = await session(['-p', 'timeout', '-t', 'go'], [{ expect: 'Project name', send: 'svc' + enter }]);
    expect(result.exit, result.screen).toBe(0);
    expect(result.screen).not.toContain('Which concurrency pattern?');
    expect(await listTree(path.join(workDir, 'svc'))).toContain('go.mod');
  });

  it('refuses an invalid name at the prompt and asks again', async () => {
    const result = await session(
      ['-p', 'timeout', '-t', 'python-asyncio'],
      [
        { expect: 'Project name', send: 'asyncio' + enter },
        { expect: 'standard-library', send: '\u0015' + 'svc' + enter }, // Ctrl-U clears the line
      ],
    );
    expect(result.exit, result.screen).toBe(0);
    expect(await listTree(workDir)).toContain(path.join('svc', 'pyproject.toml'));
  });

  it('offers every target at once at the target prompt, and names the result <pattern>-all', async () => {
    const result = await session(
      ['-p', 'fan-out'],
      [
        { expect: 'In which language', send: down.repeat(targets.length) + enter }, // after the last target
        { expect: 'Project name', send: enter },
      ],
    );
    expect(result.exit, result.screen).toBe(0);
    const shown = result.screen.replaceAll(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    expect(shown).toMatch(/In which language and concurrency model\? all\s*$/m);
    const files = await listTree(path.join(workDir, 'fan-out-all'));
    expect(files).toEqual(expect.arrayContaining(['COMPARISON.md', 'compare.html', 'run-tests']));
    for (const target of targets) expect(files.some((file) => file.startsWith(`${target.id}${path.sep}`))).toBe(true);
  });

  it('does not ask for the target when a list was given', async () => {
    const result = await session(['-p', 'timeout', '-t', 'go,typescript'], [{ expect: 'Project name', send: enter }]);
    expect(result.exit, result.screen).toBe(0);
    expect(result.screen).not.toContain('In which language');
    expect(await fs.readdir(path.join(workDir, 'timeout-compare'))).toEqual(
      expect.arrayContaining(['go', 'typescript', 'COMPARISON.md']),
    );
  });

  it('Ctrl-C at a prompt exits 130 and writes nothing', async () => {
    const result = await session(['-p', 'timeout'], [{ expect: 'In which language', send: '\u0003' }]);
    expect(result.exit, result.screen).toBe(130);
    expect(await fs.readdir(workDir)).toEqual([]);
  });
});

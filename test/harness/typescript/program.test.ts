// The demo harness, through the program of this project: flags, exit codes, output formats.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const timeout = 20_000;
const main = fileURLToPath(new URL('../main.js', import.meta.url));

/** Runs the program to its end with `args`. */
function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], { timeout: 15_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
    });
  });
}

const events = (stdout: string) =>
  stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

test('--help prints the usage on stdout and exits 0', { timeout }, async () => {
  const exit = await run(['--help']);
  assert.equal(exit.code, 0);
  assert.match(exit.stdout, /^usage: /);
  assert.match(exit.stdout, /--drain-ms MS/);
});

const badCommandLines = [
  ['--jobs', '-1'],
  ['--jobs', '1.5'],
  ['--jobs', 'many'],
  ['--jobs', '99999999999'],
  ['--workers', '0'],
  ['--timeout-ms', '0'],
  ['--buffer', '0'],
  ['--work', 'gpu'],
  ['--work-ms'],
  ['--json=yes'],
  ['--unknown'],
  ['stray'],
  ['--help', '--unknown'],
];
for (const args of badCommandLines) {
  test(`'${args.join(' ')}' exits 2 with a reason on stderr only`, { timeout }, async () => {
    const exit = await run(args);
    assert.equal(exit.code, 2);
    assert.equal(exit.stdout, '');
    assert.match(exit.stderr, /^error: [^]+\nrun with --help for usage\n$/);
  });
}

test('every flag is accepted, as --flag value and as --flag=value', { timeout }, async () => {
  const exit = await run([
    ...['--jobs=2', '--workers', '2', '--work-ms=10', '--work', 'io', '--fail-every=0'],
    ...['--timeout-ms', '1000', '--buffer=3', '--drain-ms', '100', '--json'],
  ]);
  assert.equal(exit.code, 0, exit.stderr);
  assert.equal(events(exit.stdout).at(-1)?.completed, 2);
});

test(
  'many jobs at once, and jobs of 0 ms, run without a warning on stderr',
  { timeout },
  async () => {
    const exit = await run(['--json', '--jobs', '2000', '--workers', '20', '--work-ms', '0']);
    assert.equal(exit.code, 0);
    assert.equal(exit.stderr, '');
    assert.equal(events(exit.stdout).at(-1)?.completed, 2000);
  },
);

test(
  '--work cpu computes on worker threads, which are closed at the end',
  { timeout },
  async () => {
    const exit = await run([
      '--json',
      '--work',
      'cpu',
      '--jobs',
      '4',
      '--workers',
      '2',
      '--work-ms',
      '30',
    ]);
    assert.equal(exit.code, 0, exit.stderr);
    assert.equal(events(exit.stdout).at(-1)?.completed, 4);
  },
);

test(
  '--json writes one compact event per line, keys in the contract order',
  { timeout },
  async () => {
    const exit = await run(['--json', '--jobs', '4', '--work-ms', '10', '--fail-every', '2']);
    assert.equal(exit.code, 1, 'a failed job makes the exit code 1');
    const order = [
      ...['event', 'pattern', 'target', 'signal', 'job', 'worker', 't_ms', 'result', 'error'],
      ...['submitted', 'completed', 'failed', 'timed_out', 'cancelled', 'max_concurrency'],
      'elapsed_ms',
    ];
    let lastTime = 0;
    for (const line of exit.stdout.trimEnd().split('\n')) {
      const event = JSON.parse(line) as Record<string, unknown>;
      assert.equal(line, JSON.stringify(event), 'compact, one object per line');
      const positions = Object.keys(event).map((key) => order.indexOf(key));
      assert.deepEqual(
        positions,
        [...positions].sort((a, b) => a - b),
        `key order in ${line}`,
      );
      assert.ok(!positions.includes(-1), `unknown key in ${line}`);
      assert.match(line, /"(t_ms|elapsed_ms)":\d+(\.\d{1,3})?[,}]/, 'rounded to 3 decimals');
      const time = (event.t_ms ?? event.elapsed_ms) as number;
      assert.ok(time >= lastTime, 'a monotonic clock');
      lastTime = time;
    }
    const all = events(exit.stdout);
    assert.equal(all.at(-1)?.target, 'typescript');
    assert.deepEqual(
      all.filter((event) => event.event === 'fail').map((event) => [event.job, event.error]),
      [
        [2, 'injected failure'],
        [4, 'injected failure'],
      ],
    );
  },
);

test(
  'without --json, every line is one of the human lines of the contract',
  { timeout },
  async () => {
    const exit = await run(['--jobs', '3', '--work-ms', '10', '--fail-every', '3']);
    assert.equal(exit.code, 1);
    const lines = exit.stdout.trimEnd().split('\n');
    const human = [
      /^worker \d+ processing job \d+$/,
      /^job \d+ started$/,
      /^job \d+ done: \d+$/,
      /^job 3 failed: injected failure$/,
      /^produced \d+$/,
      /^consumed \d+$/,
      /^ready: press Ctrl-C or send SIGTERM to stop$/,
    ];
    for (const line of lines.slice(0, -1)) {
      assert.ok(
        human.some((pattern) => pattern.test(line)),
        `unexpected line: ${line}`,
      );
    }
    assert.match(
      lines.at(-1) ?? '',
      /^summary: 3 submitted, 2 completed, 1 failed, 0 timed out, 0 cancelled, max concurrency \d+, \d+ ms \([a-z-]+ on typescript\)$/,
    );
  },
);

test('a reader that stops early ends the program quietly', { timeout }, async () => {
  // As `main.js --json | head -1` does: read one line, then close the pipe.
  const child = spawn(process.execPath, [main, '--json', '--jobs', '3', '--work-ms', '200'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  await once(child.stdout, 'data');
  child.stdout.destroy();
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(stderr, '', 'no stack trace');
  assert.equal(code, 128 + 13, 'the status of death by SIGPIPE');
});

test('the build leaves in dist/ only what the sources compile to', { timeout }, () => {
  // `npm test` runs dist/*.test.js: a test compiled from a source deleted since would still run.
  const dist = fileURLToPath(new URL('..', import.meta.url));
  const sources = new Set(readdirSync(new URL('../../src', import.meta.url)));
  const stale = readdirSync(dist)
    .filter((file) => file.endsWith('.js'))
    .filter((file) => !sources.has(file.replace(/\.js$/, '.ts')));
  assert.deepEqual(stale, []);
});

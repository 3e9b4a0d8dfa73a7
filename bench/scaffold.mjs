// The scaffolder as users meet it, side by side with create-vite in the same
// run: both installed from local tarballs, so that the registry's speed does
// not decide. For each: tarball and unpacked size, packages installed, `npm
// create` with an empty npm cache (cold) and with a warm one, and the
// already-installed non-interactive scaffold's time, CPU time and peak RSS.
// Prints the ratio of each figure to create-vite's.
//   node bench/scaffold.mjs [--runs N] [--vite VERSION]   (npm run bench:scaffold)
// Packing this package runs its `prepare` build. create-vite's tarball is
// fetched once with `npm pack`, which uses npm's cache when it can.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, vite: { type: 'string', default: '9.3.0' } },
});
const runs = Number(values.runs);
const repoRoot = path.resolve(import.meta.dirname, '..');
const workDir = mkdtempSync(path.join(os.tmpdir(), 'ccp-bench-scaffold-'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

// Written into each measured process with --import: its peak RSS and CPU
// time, at exit. CPU time tells the cost apart from waiting for a busy machine.
const rssProbe = path.join(workDir, 'rss-probe.mjs');
writeFileSync(
  rssProbe,
  "import fs from 'node:fs';\n" +
    "process.on('exit', () => fs.writeFileSync(process.env.RSS_PROBE_OUT, JSON.stringify(process.resourceUsage())));\n",
);

function packed(args, cwd) {
  const output = execFileSync(npm, ['pack', '--json', '--pack-destination', workDir, ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [info] = JSON.parse(output.slice(output.indexOf('[')));
  return { tarball: path.join(workDir, info.filename), size: info.size, unpackedSize: info.unpackedSize };
}

const contenders = [
  {
    label: 'create-concur-pattern',
    ...packed([], repoRoot),
    bin: 'create-concur-pattern',
    args: (directory) => [directory, '--pattern', 'worker-pool', '--target', 'go', '--no-git'],
  },
  {
    label: `create-vite ${values.vite}`,
    ...packed([`create-vite@${values.vite}`], workDir),
    bin: 'create-vite',
    args: (directory) => [directory, '--template', 'vanilla-ts', '--no-interactive'],
  },
];

let scratchCount = 0;
function scratch(prefix) {
  const directory = path.join(workDir, `${prefix}-${scratchCount++}`);
  mkdirSync(directory);
  return directory;
}

/** Wall time of one run, in ms; throws with the command's output when it fails. */
function timed(file, args, options) {
  const started = process.hrtime.bigint();
  const result = spawnSync(file, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...options });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) {
    throw new Error(`${file} ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  }
  return ms;
}

const median = (numbers) => numbers.toSorted((a, b) => a - b)[Math.floor(numbers.length / 2)];

/** `npm create`'s path for a package that is not on the registry: npm exec of the tarball. */
function npmCreate(contender, cache) {
  const cwd = scratch('create');
  const args = ['exec', '--yes', '--cache', cache, '--package', contender.tarball, '--', contender.bin];
  return timed(npm, [...args, ...contender.args('app')], {
    cwd,
    env: { ...process.env, npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false' },
  });
}

function measure(contender) {
  // Cold: every run gets an empty cache, so npm installs the package (and
  // whatever it depends on) from nothing, as a first `npm create` does.
  const cold = median(Array.from({ length: runs }, () => npmCreate(contender, scratch('cache'))));
  // Warm: one cache, filled by a first run that is not counted.
  const warmCache = scratch('cache');
  npmCreate(contender, warmCache);
  const warm = median(Array.from({ length: runs }, () => npmCreate(contender, warmCache)));

  const installDir = scratch('install');
  writeFileSync(path.join(installDir, 'package.json'), '{ "private": true }\n');
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', contender.tarball], {
    cwd: installDir,
    stdio: 'ignore',
  });
  const lock = JSON.parse(readFileSync(path.join(installDir, 'node_modules', '.package-lock.json'), 'utf8'));
  const installedPackages = Object.keys(lock.packages).filter((key) => key.includes('node_modules/')).length;
  const manifest = JSON.parse(readFileSync(path.join(installDir, 'node_modules', contender.bin, 'package.json')));
  const binFile = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin[contender.bin];
  const bin = path.join(installDir, 'node_modules', contender.bin, binFile);

  const rssOut = path.join(workDir, 'rss.txt');
  const scaffoldTimes = [];
  const peaks = [];
  const cpuTimes = [];
  for (let i = 0; i < runs + 1; i++) {
    const cwd = scratch('scaffold');
    const ms = timed(process.execPath, ['--import', rssProbe, bin, ...contender.args('app')], {
      cwd,
      env: { ...process.env, RSS_PROBE_OUT: rssOut },
    });
    // The first run fills Node's compile cache where the package enables it; users' second run onwards is what counts.
    if (i === 0) continue;
    scaffoldTimes.push(ms);
    const usage = JSON.parse(readFileSync(rssOut, 'utf8'));
    peaks.push(usage.maxRSS / 1024);
    cpuTimes.push((usage.userCPUTime + usage.systemCPUTime) / 1000);
  }
  return {
    size: contender.size / 1024,
    unpackedSize: contender.unpackedSize / 1024,
    installedPackages,
    cold,
    warm,
    scaffold: median(scaffoldTimes),
    cpu: median(cpuTimes),
    rss: median(peaks),
  };
}

try {
  const results = contenders.map((contender) => measure(contender));
  const rows = [
    ['tarball', 'size', 'KiB'],
    ['unpacked', 'unpackedSize', 'KiB'],
    ['installed packages', 'installedPackages', ''],
    ['npm create, cold cache', 'cold', 'ms'],
    ['npm create, warm cache', 'warm', 'ms'],
    ['installed scaffold', 'scaffold', 'ms'],
    ['installed scaffold, CPU time', 'cpu', 'ms'],
    ['installed scaffold, peak RSS', 'rss', 'MiB'],
  ];
  const [ours, baseline] = results;
  const format = (value, unit) => `${value.toFixed(unit === '' ? 0 : unit === 'MiB' ? 1 : 0)}${unit ? ` ${unit}` : ''}`;
  const table = [
    ['', contenders[0].label, contenders[1].label, 'ratio'],
    ...rows.map(([label, key, unit]) => [
      label,
      format(ours[key], unit),
      format(baseline[key], unit),
      `${(ours[key] / baseline[key]).toFixed(2)}x`,
    ]),
  ];
  const widths = table[0].map((_, column) => Math.max(...table.map((row) => row[column].length)));
  console.log(`median of ${runs} runs, Node ${process.version}, ${os.cpus().length} cores`);
  for (const row of table) {
    console.log(
      row.map((cell, column) => (column === 0 ? cell.padEnd(widths[0]) : cell.padStart(widths[column]))).join('  '),
    );
  }
} finally {
  rmSync(workDir, { recursive: true, force: true });
}

// The same workloads against the generated worker-pool and fan-out programs
// of every target, each figure next to a baseline measured in the same run:
// CPU-bound speed-up over one worker, I/O-bound time against the ideal,
// overhead per job, memory per concurrent task, start-up time.
// End to end, through the programs; the claims and components themselves are
// measured by bench/claims.mjs, whose figures docs/benchmarks.md explains.
//   npm run build && node bench/targets.mjs [--quick]
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { targets } from '../dist/cli.js';

const quick = process.argv.includes('--quick');
const sizes = quick
  ? {
      repeats: 1,
      cpuJobs: 4,
      cpuWorkMs: 100,
      ioJobs: 200,
      ioWorkers: 20,
      ioMs: 50,
      overheadJobs: 1000,
      tasks: 1000,
      taskMs: 1000,
    }
  : {
      repeats: 3,
      cpuJobs: 8,
      cpuWorkMs: 200,
      ioJobs: 1000,
      ioWorkers: 100,
      ioMs: 50,
      overheadJobs: 10000,
      tasks: 10000,
      taskMs: 3000,
    };
// One process per task: thousands of Python interpreters would measure the
// machine's limits, not the pattern.
const processTaskCap = quick ? 50 : 200;
const startupRuns = quick ? 3 : 5;
const runTimeoutMs = quick ? 30_000 : 120_000;
const prepareTimeoutMs = 300_000;

// Why runs failed, printed under the table they broke.
const failures = [];

// The interpreter itself, not a version manager's shim in front of it
// (pyenv's adds a shell script to every start).
const python =
  spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout?.trim() || 'python3';
// /proc/<pid>/stat counts CPU time in clock ticks.
const ticksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

const bin = path.join(import.meta.dirname, '..', 'bin', 'create-concur-pattern.js');
const workDir = mkdtempSync(path.join(os.tmpdir(), 'ccp-targets-'));
const benchStarted = performance.now();

// Set by main() before any workload runs.
let projects;
let bare;

async function main() {
  printMachine();
  try {
    projects = await prepareProjects();
    bare = await prepareBareRuntimes();
    await cpuBound();
    await ioBound();
    await overhead();
    await memory();
    await startup();
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  console.log(`\nload average at the end: ${loadAverage()}`);
  console.log(`total bench time: ${((performance.now() - benchStarted) / 1000).toFixed(0)} s`);
}

// ---------------------------------------------------------------------------
// The workloads

async function cpuBound() {
  const { cpuJobs, cpuWorkMs, repeats } = sizes;
  heading(
    `CPU-bound: --work cpu --jobs ${cpuJobs} --work-ms ${cpuWorkMs} (best of ${repeats})`,
    'elapsed = first job start to last job end; cores = CPU time the process tree used in that span / the span;',
    'speed-up = 2 workers (worker-pool) or every job at once (fan-out) against 1 worker; 2 cores give at most 2.00x.',
    'Each program calibrates its CPU work at start-up, so on a busy machine the work, and with it elapsed, varies',
    'from run to run; cores does not depend on how much work there is, which makes its speed-up the one to trust',
  );
  const flags = ['--work', 'cpu', '--jobs', cpuJobs, '--work-ms', cpuWorkMs];
  const rows = [];
  for (const target of targets) {
    const pool = projects.get(`worker-pool ${target.id}`);
    const fan = projects.get(`fan-out ${target.id}`);
    const one = await mostCores(pool, [...flags, '--workers', 1]);
    const two = await mostCores(pool, [...flags, '--workers', 2]);
    const all = await mostCores(fan, flags);
    rows.push([
      target.id,
      ms(one),
      cores(one),
      ms(two),
      cores(two),
      ratio(one, two),
      coresRatio(two, one),
      ms(all),
      cores(all),
      coresRatio(all, one),
    ]);
  }
  table(
    [
      'target',
      '1 worker',
      'cores',
      '2 workers',
      'cores',
      'speed-up (elapsed)',
      'speed-up (cores)',
      'fan-out',
      'cores',
      'speed-up (cores)',
    ],
    rows,
  );
}

async function ioBound() {
  const { ioJobs, ioWorkers, ioMs, repeats } = sizes;
  const poolIdeal = Math.ceil(ioJobs / ioWorkers) * ioMs;
  heading(
    `I/O-bound: --work io --work-ms ${ioMs} (best of ${repeats})`,
    `worker-pool: --jobs ${ioJobs} --workers ${ioWorkers}, ideal ${poolIdeal} ms (jobs / workers x work-ms);`,
    `fan-out: every job at once, ideal ${ioMs} ms; "at once" below the jobs means the program caps how many`,
    'run at once, or starts them slower than they finish; ratio = elapsed / ideal (1.00x is perfect)',
  );
  const rows = [];
  for (const target of targets) {
    const pool = projects.get(`worker-pool ${target.id}`);
    const fan = projects.get(`fan-out ${target.id}`);
    const fanJobs = cappedTasks(target, ioJobs);
    const inPool = await best(pool, ['--work', 'io', '--jobs', ioJobs, '--workers', ioWorkers, '--work-ms', ioMs]);
    const atOnce = await best(fan, ['--work', 'io', '--jobs', fanJobs, '--work-ms', ioMs]);
    rows.push([
      target.id,
      ms(inPool),
      times(inPool, poolIdeal),
      fanJobs,
      atOnce.summary?.max_concurrency ?? '-',
      ms(atOnce),
      times(atOnce, ioMs),
    ]);
  }
  table(['target', 'worker-pool', 'vs ideal', 'fan-out jobs', 'at once', 'fan-out', 'vs ideal'], rows);
  noteCap(ioJobs);
}

async function overhead() {
  const { overheadJobs, repeats } = sizes;
  heading(
    `Overhead: worker-pool --jobs ${overheadJobs} --workers 4 --work-ms 0 --work io (best of ${repeats})`,
    'per job = elapsed / jobs: hand-off, bookkeeping and two JSON events per job; ratio against the fastest target',
  );
  const results = [];
  for (const target of targets) {
    const pool = projects.get(`worker-pool ${target.id}`);
    const flags = ['--work', 'io', '--jobs', overheadJobs, '--workers', 4, '--work-ms', 0];
    results.push([target.id, await best(pool, flags)]);
  }
  const fastest = Math.min(...results.map(([, run]) => run.elapsedMs ?? Infinity));
  const rows = results.map(([id, run]) => {
    const perJob = run.elapsedMs === undefined ? undefined : { elapsedMs: (run.elapsedMs * 1000) / overheadJobs };
    return [id, ms(run), perJob ? perJob.elapsedMs.toFixed(1) : failure(run), times(run, fastest)];
  });
  table(['target', 'elapsed', 'us per job', 'vs fastest'], rows);
}

async function memory() {
  const { tasks, taskMs } = sizes;
  heading(
    `Memory: fan-out --work io --work-ms ${taskMs}, --jobs ${tasks} against --jobs 1`,
    'peak memory of the whole process tree, sampled from /proc every 25 ms (PSS every 250 ms): PSS (resident,',
    'shared pages split between the processes that share them), the sum of RSS, and virtual size (reserved);',
    'per task = (peak with all tasks - peak with 1 task) / units, where units = the most tasks alive at once',
    '(max_concurrency) or the extra OS threads or processes at the peak, whichever is larger',
  );
  const rows = [];
  for (const target of targets) {
    const fan = projects.get(`fan-out ${target.id}`);
    const jobs = cappedTasks(target, tasks);
    const flags = ['--work', 'io', '--work-ms', taskMs];
    const one = await run(fan, [...flags, '--jobs', 1], { sampleMemory: true });
    const many = await run(fan, [...flags, '--jobs', jobs], { sampleMemory: true });
    if (!one.summary || !many.summary) {
      rows.push([target.id, failure(one.summary ? many : one), '-', '-', '-', '-', '-', '-', '-']);
      continue;
    }
    const units = Math.max(
      many.summary.max_concurrency,
      many.peak.threads - one.peak.threads,
      many.peak.processes - one.peak.processes,
    );
    const perTask = (key) => `${((many.peak[key] - one.peak[key]) / units).toFixed(1)} KB`;
    rows.push([
      target.id,
      many.summary.max_concurrency,
      many.peak.threads,
      many.peak.processes,
      mb(one.peak.pssKb),
      mb(many.peak.pssKb),
      mb(many.peak.rssKb),
      perTask('pssKb'),
      perTask('virtualKb'),
    ]);
  }
  table(
    [
      'target',
      'tasks at once',
      'OS threads',
      'processes',
      'PSS 1 task',
      'PSS all tasks',
      'RSS sum',
      'PSS per task',
      'virtual per task',
    ],
    rows,
  );
  noteCap(tasks);
}

async function startup() {
  heading(
    `Start-up: wall time of --jobs 0 (start, print an empty summary, exit), median of ${startupRuns}`,
    'against an empty program in the same language: python3 -c pass, node -e "", an empty Go main',
  );
  const rows = [];
  for (const target of targets) {
    const pool = projects.get(`worker-pool ${target.id}`);
    const program = await medianWall(pool, ['--jobs', 0]);
    const empty = await medianWall(bare.get(target.language), []);
    rows.push([
      target.id,
      wallMs(program),
      wallMs(empty),
      program && empty ? `${program >= empty ? '+' : ''}${(program - empty).toFixed(0)} ms` : '-',
    ]);
  }
  table(['target', '--jobs 0', 'empty program', 'difference'], rows);
}

// ---------------------------------------------------------------------------
// Running the programs

/** The run with the smallest elapsed time of `sizes.repeats`: the one least disturbed by other processes. */
async function best(project, flags) {
  const results = await repeatRuns(project, flags);
  return results.reduce((fastest, result) => (result.elapsedMs < fastest.elapsedMs ? result : fastest));
}

/** The run that got the most CPU per second of `sizes.repeats`: the one least disturbed by other processes. */
async function mostCores(project, flags) {
  const results = await repeatRuns(project, flags, { measureCores: true });
  return results.reduce((busiest, result) => (result.cores > busiest.cores ? result : busiest));
}

/** `sizes.repeats` runs, or the first failed one alone. */
async function repeatRuns(project, flags, options) {
  const results = [];
  for (let i = 0; i < sizes.repeats; i++) {
    const result = await run(project, flags, options);
    if (result.error) return [result];
    results.push(result);
  }
  return results;
}

async function medianWall(project, flags) {
  const walls = [];
  for (let i = 0; i < startupRuns; i++) {
    const result = await run(project, flags, { json: false });
    if (result.error) return undefined;
    walls.push(result.wallMs);
  }
  return walls.sort((a, b) => a - b)[Math.floor(walls.length / 2)];
}

/**
 * Runs the program with `flags` in its own process group, killed whole at the
 * time limit. Returns the summary line, the job span, the wall time seen from
 * here and, if asked, the peak memory of the group or the cores it kept busy
 * from the first job's start to the summary; or an error.
 */
function run(project, flags, { sampleMemory = false, measureCores = false, json = true } = {}) {
  if (project.error) return Promise.resolve({ error: project.error });
  const [command, ...args] = [...project.program, ...flags.map(String), ...(json ? ['--json'] : [])];
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: project.dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const span = new JobSpan();
    // CPU time of the group and the time here, at the first start and at the summary.
    let busy;
    let pending = '';
    let lastStdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop();
      for (const line of lines.filter(Boolean)) {
        const event = json ? span.add(line) : undefined;
        if (measureCores && event?.event === 'start' && !busy)
          busy = { from: groupCpuMs(child.pid), since: performance.now() };
        if (measureCores && event?.event === 'summary' && busy) {
          busy.cores = (groupCpuMs(child.pid) - busy.from) / (performance.now() - busy.since);
        }
        lastStdout = line;
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr = keepTail(stderr + chunk)));
    let timedOut = false;
    const limit = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, runTimeoutMs);
    const peak = { pssKb: 0, rssKb: 0, virtualKb: 0, threads: 0, processes: 0 };
    let samples = 0;
    const sampler = sampleMemory
      ? setInterval(() => {
          // PSS walks every mapping under the process's memory lock, which
          // slows a process starting thousands of threads: read it less often.
          const now = groupMemoryKb(child.pid, { withPss: samples++ % 10 === 0 });
          for (const key of Object.keys(peak)) peak[key] = Math.max(peak[key], now[key]);
        }, 25)
      : undefined;
    child.on('error', (error) => finish({ error: error.message }));
    child.on('close', (code, signal) => {
      const wallMs = performance.now() - started;
      // A child the program left behind would still be in the group.
      killGroup(child.pid);
      if (timedOut) return finish({ error: `killed after ${runTimeoutMs / 1000} s` });
      const finalLine = pending || lastStdout;
      if (code !== 0) return finish({ error: `exit ${code ?? signal}: ${lastLine(stderr) || finalLine}` });
      if (!json) return finish({ wallMs });
      if (span.notJson) return finish({ error: `not a JSON line on stdout: ${span.notJson}` });
      const summary = parseSummary(finalLine);
      if (!summary) return finish({ error: `no summary line: ${finalLine}` });
      if (summary.completed !== summary.submitted) return finish({ error: `lost jobs: ${finalLine}` });
      finish({ summary, elapsedMs: span.ms, wallMs, peak, cores: busy?.cores });
    });
    function finish(result) {
      clearTimeout(limit);
      clearInterval(sampler);
      resolve(result);
    }
  });
}

function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}

/**
 * CPU time used by the group `pgid` so far, in ms: each live process's own
 * user and system time, plus that of the children it has reaped.
 */
function groupCpuMs(pgid) {
  let ticks = 0;
  for (const fields of groupStats(pgid)) {
    // utime, stime, cutime, cstime: fields 14 to 17 of /proc/<pid>/stat.
    ticks += fields.slice(11, 15).reduce((sum, value) => sum + Number(value), 0);
  }
  return (ticks * 1000) / ticksPerSecond;
}

/** The /proc/<pid>/stat fields after the command name, for every live process of the group `pgid`. */
function* groupStats(pgid) {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command name: state, ppid, pgrp, ...
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) yield Object.assign(fields, { pid: entry });
    } catch {
      // The process ended between listing and reading.
    }
  }
}

/** PSS, RSS, virtual size, threads and processes summed over every live process of the group `pgid`, in KB. */
function groupMemoryKb(pgid, { withPss }) {
  let pssKb = 0;
  let rssKb = 0;
  let virtualKb = 0;
  let threads = 0;
  let processes = 0;
  const field = (text, name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  for (const { pid } of groupStats(pgid)) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      rssKb += field(status, 'VmRSS');
      virtualKb += field(status, 'VmSize');
      threads += field(status, 'Threads');
      processes += 1;
      if (withPss) pssKb += field(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'), 'Pss');
    } catch {
      // The process ended between listing and reading.
    }
  }
  return { pssKb, rssKb, virtualKb, threads, processes };
}

/**
 * From the first job's `start` to the last terminal event, in the program's
 * own clock: the pattern at work, without the start-up before it (the
 * targets disagree on when elapsed_ms starts counting; start-up is measured
 * on its own).
 */
class JobSpan {
  first = Infinity;
  last = -Infinity;
  notJson;

  add(line) {
    let event;
    try {
      event = JSON.parse(line);
    } catch {
      this.notJson ??= line;
      return;
    }
    if (event.event === 'start') this.first = Math.min(this.first, event.t_ms);
    if (['done', 'fail', 'timeout', 'cancel'].includes(event.event)) this.last = Math.max(this.last, event.t_ms);
    return event;
  }

  get ms() {
    return this.last - this.first;
  }
}

function parseSummary(line) {
  try {
    const summary = JSON.parse(line);
    return summary.event === 'summary' ? summary : undefined;
  } catch {
    return undefined;
  }
}

function keepTail(text) {
  return text.length > 4096 ? text.slice(-4096) : text;
}

function lastLine(text) {
  return text.trimEnd().split('\n').at(-1) ?? '';
}

// ---------------------------------------------------------------------------
// Generating and building the projects

/** Generates, installs and builds worker-pool and fan-out for every target, in parallel. */
async function prepareProjects() {
  const started = performance.now();
  const entries = targets.flatMap((target) =>
    ['worker-pool', 'fan-out'].map((pattern) => [`${pattern} ${target.id}`, prepareProject(target, pattern)]),
  );
  const prepared = new Map(await Promise.all(entries.map(async ([key, promise]) => [key, await promise])));
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  console.log(`\ngenerated and built ${prepared.size} projects in ${seconds} s`);
  for (const [key, project] of prepared) {
    if (project.error) console.log(`  skipped ${key}: ${project.error}`);
  }
  return prepared;
}

async function prepareProject(target, pattern) {
  const name = `bench-${pattern}`;
  const dir = path.join(workDir, `${pattern}-${target.id}`);
  const importName = target.language === 'python' ? name.replaceAll('-', '_') : name;
  const fill = (command) =>
    command.map((part) => (part === 'python3' ? python : part.replaceAll('{package}', importName)));
  const generate = [process.execPath, bin, dir, '--pattern', pattern, '--target', target.id, '--name', name, '--yes'];
  const steps = [
    [generate, workDir],
    [target.commands.install, dir],
    [target.commands.build, dir],
  ];
  for (const [command, cwd] of steps.filter(([command]) => command)) {
    const failed = await exec(fill(command), cwd);
    if (failed) return { error: `${fill(command).join(' ')}: ${failed}` };
  }
  return { dir, program: fill(target.commands.program) };
}

/** Empty programs in each language, for the start-up baseline. */
async function prepareBareRuntimes() {
  const goDir = path.join(workDir, 'empty-go');
  mkdirSync(goDir);
  writeFileSync(path.join(goDir, 'go.mod'), 'module empty\n\ngo 1.25\n');
  writeFileSync(path.join(goDir, 'main.go'), 'package main\n\nfunc main() {}\n');
  const goFailed = await exec(['go', 'build', '-o', 'empty', '.'], goDir);
  return new Map([
    ['python', { dir: workDir, program: [python, '-c', 'pass'] }],
    ['typescript', { dir: workDir, program: [process.execPath, '-e', ''] }],
    ['go', goFailed ? { error: goFailed } : { dir: goDir, program: ['./empty'] }],
  ]);
}

/** Runs a preparation step; resolves to undefined on success, else to why it failed. */
function exec([command, ...args], cwd) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr = keepTail(stderr + chunk)));
    const limit = setTimeout(() => killGroup(child.pid), prepareTimeoutMs);
    child.on('error', (error) => resolve(error.message));
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      resolve(code === 0 ? undefined : `exit ${code ?? signal}: ${lastLine(stderr)}`);
    });
  });
}

// ---------------------------------------------------------------------------
// Printing

function printMachine() {
  const version = (command, args) => {
    const result = spawnSync(command, args, { encoding: 'utf8' });
    return result.status === 0 ? (result.stdout || result.stderr).trim() : 'not found';
  };
  const cpus = os.cpus();
  console.log(`create-concur-pattern: targets benchmark${quick ? ' (--quick: smaller sizes, one run each)' : ''}`);
  console.log(`date: ${new Date().toISOString()}`);
  console.log(
    `machine: ${os.availableParallelism()} cores (${cpus[0]?.model.trim() ?? 'unknown'}), ${mb(os.totalmem() / 1024)} RAM, ${os.type()} ${os.release()}`,
  );
  console.log(`node ${process.version}; ${version('go', ['version'])}; ${version(python, ['--version'])} (${python})`);
  console.log(`load average at the start: ${loadAverage()}`);
  if (os.loadavg()[0] > os.availableParallelism()) {
    console.log('  the machine is busy: every figure is slower than on an idle machine, and a run gets only its');
    console.log("  share of the cores (with sched_autogroup, one session's share), which caps CPU-bound speed-ups");
  }
}

function loadAverage() {
  return os
    .loadavg()
    .map((load) => load.toFixed(2))
    .join(' ');
}

function heading(title, ...explanation) {
  console.log(`\n${title}`);
  for (const line of explanation) console.log(`  ${line}`);
}

function table(header, rows) {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => String(row[column]).length)),
  );
  const line = (cells) =>
    cells
      .map((cell, column) =>
        column === 0 ? String(cell).padEnd(widths[column]) : String(cell).padStart(widths[column]),
      )
      .join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  for (const error of new Set(failures)) console.log(`  ${error}`);
  failures.length = 0;
}

/** A short mark for a failed run; the full reason is printed under the table. */
function failure(result) {
  failures.push(`failed: ${result.error}`);
  return 'failed';
}

function cappedTasks(target, tasks) {
  return target.id === 'python-multiprocessing' ? Math.min(tasks, processTaskCap) : tasks;
}

function noteCap(tasks) {
  if (tasks > processTaskCap) {
    console.log(`  python-multiprocessing fan-out starts one process per job: capped at ${processTaskCap} jobs`);
  }
}

function ms(result) {
  return result.elapsedMs === undefined ? failure(result) : `${result.elapsedMs.toFixed(0)} ms`;
}

function wallMs(value) {
  return value === undefined ? 'failed' : `${value.toFixed(0)} ms`;
}

function mb(kb) {
  return kb === undefined ? '-' : `${(kb / 1024).toFixed(1)} MB`;
}

function ratio(baseline, result) {
  if (baseline.elapsedMs === undefined || result.elapsedMs === undefined) return '-';
  return `${(baseline.elapsedMs / result.elapsedMs).toFixed(2)}x`;
}

function cores(result) {
  return result.cores === undefined ? '-' : result.cores.toFixed(2);
}

function coresRatio(result, baseline) {
  if (result.cores === undefined || baseline.cores === undefined) return '-';
  return `${(result.cores / baseline.cores).toFixed(2)}x`;
}

function times(result, reference) {
  if (result.elapsedMs === undefined) return '-';
  return `${(result.elapsedMs / reference).toFixed(2)}x`;
}

// Last, so that every class and constant below main() is initialised when it runs.
await main();

// Measures the claims the source article makes, and the cost of each
// generated component against the bare primitive it is built on:
//   1. hand-off: one round trip between two units over each target's primitive;
//   2. memory per parked unit, from RSS, at 10k and 100k units;
//   3. 10,000 HTTP requests against one loopback server, W = 100 keep-alive
//      connections and W = N, client by client (and wrk, when installed);
//   4. pool overhead: microseconds per no-op job, component against bare primitive.
// Progress goes to stderr; stdout gets markdown tables, or with --json the
// results object that scripts/render-figures.mjs turns into docs.
//   npm run build && node bench/claims.mjs [--quick | --smoke] [--json] [--out FILE]
// --quick takes about a minute, --smoke a few seconds (for CI: it checks the
// output's shape, not the figures). Only 127.0.0.1 is ever contacted.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { renderMarkdown, checkShape } from '../scripts/render-figures.mjs';

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const mode = options.smoke ? 'smoke' : options.quick ? 'quick' : 'full';

// Sizes per mode. Rounds and jobs are per sample; each probe takes one
// warm-up run and `samples` measured ones, and the median is reported.
const settings = {
  full: {
    samples: 3,
    cpuRuns: 3,
    rounds: {
      go: 200_000,
      goLocked: 50_000,
      asyncio: 50_000,
      threads: 20_000,
      pipe: 10_000,
      worker: 20_000,
      promise: 200_000,
    },
    starts: { goroutine: 100_000, thread: 2_000, fork: 100, forkserver: 50, spawn: 10, worker: 20 },
    spin: { python: 2_000_000, go: 200_000_000, node: 20_000_000 },
    parked: [10_000, 100_000],
    parkedRuns: 3,
    requests: 10_000,
    keepAliveWorkers: 100,
    httpRuns: 3,
    wrkSeconds: 5,
    poolJobs: {
      go: 200_000,
      asyncio: 50_000,
      threads: 20_000,
      threadsFanOut: 2_000,
      processes: 2_000,
      typescript: 100_000,
    },
  },
  quick: {
    samples: 3,
    cpuRuns: 1,
    rounds: {
      go: 50_000,
      goLocked: 10_000,
      asyncio: 10_000,
      threads: 5_000,
      pipe: 2_000,
      worker: 5_000,
      promise: 50_000,
    },
    starts: { goroutine: 20_000, thread: 500, fork: 20, forkserver: 10, spawn: 3, worker: 5 },
    spin: { python: 1_000_000, go: 100_000_000, node: 10_000_000 },
    parked: [10_000],
    parkedRuns: 1,
    requests: 1_000,
    keepAliveWorkers: 100,
    httpRuns: 1,
    wrkSeconds: 1,
    poolJobs: { go: 50_000, asyncio: 10_000, threads: 5_000, threadsFanOut: 500, processes: 500, typescript: 20_000 },
  },
  smoke: {
    samples: 1,
    cpuRuns: 1,
    rounds: { go: 1_000, goLocked: 1_000, asyncio: 500, threads: 500, pipe: 200, worker: 200, promise: 1_000 },
    starts: { goroutine: 100, thread: 10, fork: 2, forkserver: 2, spawn: 1, worker: 1 },
    spin: { python: 10_000, go: 100_000, node: 100_000 },
    parked: [1_000],
    parkedRuns: 1,
    requests: 40,
    keepAliveWorkers: 4,
    httpRuns: 1,
    wrkSeconds: 1,
    poolJobs: { go: 1_000, asyncio: 500, threads: 200, threadsFanOut: 50, processes: 50, typescript: 1_000 },
  },
}[mode];
const poolWorkers = 4;
const runTimeoutMs = 180_000;
const loopback = '127.0.0.1';

const here = import.meta.dirname;
const root = path.join(here, '..');
const bin = path.join(root, 'bin', 'create-concur-pattern.js');
const workDir = mkdtempSync(path.join(os.tmpdir(), 'ccp-claims-'));
const python =
  spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout?.trim() || 'python3';
const started = performance.now();

function progress(message) {
  const seconds = ((performance.now() - started) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[${seconds} s] ${message}\n`);
}

async function main() {
  const results = { schema: 1, mode, date: new Date().toISOString(), machine: machine(), versions: versions() };
  results.settings = { ...settings, pool_workers: poolWorkers };
  progress(
    `claims benchmark, ${mode} mode; load average ${results.machine.load_start.join(' ')} on ${results.machine.cores} cores`,
  );
  try {
    const probes = await buildProbes();
    results.handoff = await handoff(probes);
    results.start = await startUnits(probes);
    results.cpu = await cpuBound(probes);
    results.parked = await parked(probes);
    results.http = await http(probes);
    results.pools = await pools(probes);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
    rmSync(typescriptHome, { recursive: true, force: true });
  }
  results.machine.load_end = os.loadavg().map((load) => Number(load.toFixed(2)));
  results.duration_s = Math.round((performance.now() - started) / 1000);
  const problems = checkShape(results);
  if (problems.length) throw new Error(`results are malformed:\n  ${problems.join('\n  ')}`);
  if (options.out) {
    // Formatted as the repository's prettier would, so that the committed file stays lint-clean.
    const { format } = await import('prettier');
    writeFileSync(options.out, await format(JSON.stringify(results), { parser: 'json', printWidth: 120 }));
  }
  process.stdout.write(options.json ? `${JSON.stringify(results, null, 2)}\n` : renderMarkdown(results));
  progress(`done in ${results.duration_s} s; load average at the end ${results.machine.load_end.join(' ')}`);
}

// ---------------------------------------------------------------------------
// 1. Hand-off

async function handoff(probes) {
  const { rounds, samples } = settings;
  const cases = [
    [
      'go-channel',
      'goroutine ↔ goroutine',
      'unbuffered Go channel',
      'go',
      [probes.go, 'handoff', '-rounds', rounds.go],
    ],
    [
      'go-channel-os-threads',
      'OS thread ↔ OS thread',
      'unbuffered Go channel, each goroutine locked to its own OS thread',
      'go',
      [probes.go, 'handoff', '-locked', '-rounds', rounds.goLocked],
    ],
    [
      'asyncio-queue',
      'asyncio task ↔ task',
      '`asyncio.Queue`',
      'python-asyncio',
      [python, probes.python, 'handoff-asyncio', '--rounds', rounds.asyncio],
    ],
    [
      'thread-queue',
      'Python thread ↔ thread',
      '`queue.Queue`',
      'python-threading',
      [python, probes.python, 'handoff-threads', '--rounds', rounds.threads],
    ],
    [
      'process-pipe',
      'process ↔ process',
      '`multiprocessing.Pipe` (forkserver child)',
      'python-multiprocessing',
      [python, probes.python, 'handoff-pipe', '--rounds', rounds.pipe],
    ],
    [
      'worker-message',
      'main thread ↔ `worker_threads`',
      '`postMessage` and back',
      'typescript',
      [process.execPath, probes.node, 'handoff-worker', '--rounds', rounds.worker],
    ],
    [
      'promise-hop',
      'async function ↔ async function',
      'an awaited promise, resolved by the other',
      'typescript',
      [process.execPath, probes.node, 'handoff-promise', '--rounds', rounds.promise],
    ],
  ];
  const rows = [];
  for (const [id, units, primitive, target, command] of cases) {
    progress(`hand-off: ${id}`);
    const sampleFlag = command[0] === probes.go ? '-samples' : '--samples';
    const out = await runJson([...command, sampleFlag, samples]);
    rows.push({ id, units, primitive, target, us_round_trip: median(out.samples_us), samples_us: out.samples_us });
  }
  return rows;
}

// ---------------------------------------------------------------------------
// Starting a unit, and CPU-bound work on one unit and on two

async function startUnits(probes) {
  const { starts, samples } = settings;
  const startProcess = path.join(here, 'python', 'start_process.py');
  const cases = [
    ['goroutine', 'goroutine', 'go', [probes.go, 'start', '-rounds', starts.goroutine, '-samples', samples]],
    [
      'python-thread',
      'Python thread',
      'python-threading',
      [python, probes.python, 'start-thread', '--rounds', starts.thread, '--samples', samples],
    ],
    [
      'process-fork',
      'Python process, fork',
      'python-multiprocessing',
      [python, startProcess, 'fork', '--rounds', starts.fork, '--samples', samples],
    ],
    [
      'process-forkserver',
      'Python process, forkserver (server up)',
      'python-multiprocessing',
      [python, startProcess, 'forkserver', '--rounds', starts.forkserver, '--samples', samples],
    ],
    [
      'process-spawn',
      'Python process, spawn',
      'python-multiprocessing',
      [python, startProcess, 'spawn', '--rounds', starts.spawn, '--samples', samples],
    ],
    [
      'worker-thread',
      'Node `worker_threads` thread',
      'typescript',
      [process.execPath, probes.node, 'start-worker', '--rounds', starts.worker, '--samples', samples],
    ],
  ];
  const rows = [];
  for (const [id, unit, target, command] of cases) {
    progress(`start-up: ${id}`);
    const out = await runJson(command);
    rows.push({ id, unit, target, us: median(out.samples_us), samples_us: out.samples_us });
  }
  return rows;
}

async function cpuBound(probes) {
  const { spin } = settings;
  const cases = [
    [
      'python-threads',
      'Python threads',
      'python-threading',
      [python, probes.python, 'cpu-threads', '--rounds', spin.python],
    ],
    [
      'python-processes',
      'Python processes (forkserver)',
      'python-multiprocessing',
      [python, probes.python, 'cpu-processes', '--rounds', spin.python],
    ],
    ['goroutines', 'goroutines', 'go', [probes.go, 'cpu', '-rounds', spin.go]],
    [
      'worker-threads',
      'Node `worker_threads`',
      'typescript',
      [process.execPath, probes.node, 'cpu-workers', '--rounds', spin.node],
    ],
  ];
  const rows = [];
  for (const [id, label, target, command] of cases) {
    const runs = [];
    for (let i = 0; i < settings.cpuRuns; i++) {
      progress(`CPU-bound: ${id}, run ${i + 1} of ${settings.cpuRuns}`);
      runs.push(await runJson(command));
    }
    // Speed-up by the run that got the most CPU per second: the least disturbed by other work.
    const cores = (run) => run.cpu_s / run.wall_s;
    const busiest = (key) => runs.map((run) => run[key]).reduce((best, run) => (cores(run) > cores(best) ? run : best));
    const one = busiest('one');
    const two = busiest('two');
    rows.push({
      id,
      label,
      target,
      one,
      two,
      speedup: one.wall_s / two.wall_s,
      cores_one: cores(one),
      cores_two: cores(two),
    });
  }
  return rows;
}

// ---------------------------------------------------------------------------
// 2. Memory per parked unit

async function parked(probes) {
  const kinds = [
    [
      'asyncio-task',
      'asyncio task',
      'awaits one `asyncio.Event`',
      (n) => [python, probes.python, 'park-tasks', '--units', n],
    ],
    [
      'thread',
      'Python thread',
      'waits on one `threading.Event`',
      (n) => [python, probes.python, 'park-threads', '--units', n],
    ],
    ['goroutine', 'goroutine', 'receives from one channel', (n) => [probes.go, 'park', '-units', n]],
    [
      'promise',
      'pending promise',
      'an async function awaiting one pending promise',
      (n) => [process.execPath, '--expose-gc', probes.node, 'park-promises', '--units', n],
    ],
  ];
  const rows = [];
  for (const [id, unit, how, command] of kinds) {
    for (const asked of settings.parked) {
      progress(`memory: ${asked} × ${id}`);
      const runs = [];
      // Starting tens of thousands of threads takes a while and its figure barely moves: once.
      const repeats = id === 'thread' && asked > 10_000 ? 1 : settings.parkedRuns;
      for (let i = 0; i < repeats; i++) runs.push(await runJson(command(asked)));
      const perUnit = runs.map((run) => (run.rss_after - run.rss_before) / run.units);
      const row = {
        id,
        unit,
        how,
        units_asked: asked,
        units: runs[0].units,
        bytes_per_unit: Math.round(median(perUnit)),
      };
      const error = runs.find((run) => run.error)?.error;
      if (error) row.error = error;
      rows.push(row);
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------
// 3. HTTP

async function http(probes) {
  const { requests, keepAliveWorkers, httpRuns } = settings;
  const clients = [
    ['go', 'Go `net/http`', (url, w, n) => [probes.go, 'client', '-url', url, '-requests', n, '-workers', w]],
    [
      'asyncio',
      'asyncio streams (stdlib)',
      (url, w, n) => [python, probes.python, 'client-asyncio', '--url', url, '--requests', n, '--workers', w],
    ],
    [
      'threads',
      'threads + `http.client`',
      (url, w, n) => [python, probes.python, 'client-threads', '--url', url, '--requests', n, '--workers', w],
    ],
    [
      'processes',
      'multiprocessing + `http.client`',
      (url, w, n) => [python, probes.python, 'client-processes', '--url', url, '--requests', n, '--workers', w],
    ],
    [
      'node',
      'Node `fetch`',
      (url, w, n) => [process.execPath, probes.node, 'client', '--url', url, '--requests', n, '--workers', w],
    ],
  ];
  const ports = portRange();
  const scenarios = [];
  for (const workers of [keepAliveWorkers, requests]) {
    const runs = new Map(clients.map(([id]) => [id, []]));
    const skipped = {};
    // One warm-up round, then httpRuns measured rounds; the clients take turns
    // within each round, so that a noisy minute hits all of them alike.
    for (let round = 0; round <= httpRuns; round++) {
      for (const [id, , command] of clients) {
        if (id === 'processes' && workers > keepAliveWorkers) {
          skipped[id] = `not run: one process per connection would start ${workers} interpreters`;
          continue;
        }
        const label = round === 0 ? 'warm-up' : `run ${round} of ${httpRuns}`;
        const check = await waitForPorts(workers, ports);
        progress(`http W=${workers}: ${id}, ${label} (${check.time_wait} sockets in TIME_WAIT)`);
        // The warm-up (caches, JIT, the forkserver's first start) needs a tenth of the requests.
        const count = round === 0 ? Math.ceil(requests / 10) : requests;
        const result = await withServer(probes, (url) => runJson(command(url, Math.min(workers, count), count)));
        if (result.failed) throw new Error(`${id}: ${result.failed} of ${count} requests failed`);
        if (round > 0) runs.get(id).push({ ...result, time_wait_before: check.time_wait });
      }
    }
    const rows = clients
      .filter(([id]) => !skipped[id])
      .map(([id, label]) => {
        const measured = runs.get(id);
        return {
          id,
          label,
          wall_s: median(measured.map((run) => run.wall_s)),
          cpu_s: median(measured.map((run) => run.cpu_s)),
          rss_mb: median(measured.map((run) => run.rss_kb / 1024)),
          processes: measured[0].processes,
          runs: measured.map(({ wall_s, cpu_s, rss_kb, time_wait_before }) => ({
            wall_s,
            cpu_s,
            rss_kb,
            time_wait_before,
          })),
        };
      });
    for (const metric of ['wall_s', 'cpu_s', 'rss_mb']) {
      const best = Math.min(...rows.map((row) => row[metric]));
      for (const row of rows) row[`${metric.replace(/_.*/, '')}_ratio`] = row[metric] / best;
    }
    scenarios.push({ workers, rows, skipped });
  }
  return { requests, runs: httpRuns, ports, scenarios, wrk: await wrk(probes, scenarios[0]) };
}

/** The Go client's rate against wrk's on the same kind of server, W keep-alive connections. */
async function wrk(probes, keepAlive) {
  const found = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (found.error) {
    progress('wrk is not installed (apt-get install -y wrk): the Go client is not compared with a load generator');
    return { missing: true, note: 'wrk is not installed (Debian: apt-get install -y wrk)' };
  }
  const runs = [];
  for (let run = 0; run < settings.httpRuns; run++) {
    progress(`wrk: run ${run + 1} of ${settings.httpRuns}`);
    const seconds = settings.wrkSeconds;
    const workers = keepAlive.workers;
    const command = ['wrk', '-t', String(Math.min(2, workers)), '-c', String(workers), '-d', `${seconds}s`];
    // wrk does not say how much CPU it used: a Python parent that runs it and reads its
    // children's rusage does.
    const measured = (url) =>
      `import resource, subprocess, sys\n` +
      `out = subprocess.run(${JSON.stringify([...command, url])}, capture_output=True, text=True, check=True).stdout\n` +
      `usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n` +
      `print(out)\nprint(f"cpu_s: {usage.ru_utime + usage.ru_stime}")`;
    const text = await withServer(probes, (url) => runText([python, '-c', measured(url)]));
    const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1]);
    const requests = Number(/(\d+) requests in/.exec(text)?.[1]);
    const cpu = Number(/cpu_s: ([\d.]+)/.exec(text)?.[1]);
    if (![rate, requests, cpu].every(Number.isFinite)) throw new Error(`wrk printed no rate:\n${text}`);
    runs.push({ rate, requests, cpu_s: cpu });
  }
  const go = keepAlive.rows.find((row) => row.id === 'go');
  const rate = median(runs.map((run) => run.rate));
  const goRate = settings.requests / go.wall_s;
  const version = `${found.stdout}${found.stderr}`.split('\n')[0].trim();
  return {
    version,
    connections: keepAlive.workers,
    runs,
    rate,
    cpu_us_per_request: median(runs.map((run) => (run.cpu_s * 1e6) / run.requests)),
    go_rate: goRate,
    go_share: goRate / rate,
    go_cpu_us_per_request: (go.cpu_s * 1e6) / settings.requests,
  };
}

/** Starts the Go server on a fresh loopback port, runs `use(url)`, and stops it. */
async function withServer(probes, use) {
  const server = spawn(probes.go, ['serve'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise((resolve, reject) => {
      let text = '';
      server.on('error', reject);
      server.on('exit', (code) => reject(new Error(`the server exited with ${code}`)));
      server.stdout.setEncoding('utf8').on('data', (chunk) => {
        text += chunk;
        if (text.includes('\n')) resolve(JSON.parse(text.split('\n')[0]).port);
      });
    });
    const url = `http://${loopback}:${port}/`;
    if (new URL(url).hostname !== loopback) throw new Error(`refusing a non-loopback URL: ${url}`);
    return await use(url);
  } finally {
    server.kill('SIGKILL');
  }
}

function portRange() {
  const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  const reuse = readFileSync('/proc/sys/net/ipv4/tcp_tw_reuse', 'utf8').trim();
  return { low, high, size: high - low + 1, tcp_tw_reuse: Number(reuse) };
}

/**
 * Counts the sockets in TIME_WAIT, and waits (up to 2 minutes) until the
 * ephemeral ports they hold leave room for `connections` new ones. Each run
 * talks to a fresh server port, and Linux reuses a port in TIME_WAIT for a
 * connection to another destination, so this is the conservative check.
 */
async function waitForPorts(connections, ports) {
  const need = connections + 1000;
  const deadline = performance.now() + 120_000;
  for (;;) {
    const time_wait = timeWaitSockets();
    if (ports.size - time_wait >= need) return { time_wait };
    if (performance.now() > deadline) {
      throw new Error(`${time_wait} sockets still in TIME_WAIT; ${ports.size} ephemeral ports`);
    }
    progress(`waiting for TIME_WAIT to drain: ${time_wait} sockets, ${ports.size} ephemeral ports, ${need} needed`);
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
}

/**
 * The local ports held by sockets in TIME_WAIT. A client's sockets each hold
 * one; a server's all share its listening port, and count once.
 */
function timeWaitSockets() {
  const ports = new Set();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // Columns: index, local address:port (hex), remote address:port, state (06 is TIME_WAIT).
      const [, local, , state] = line.trim().split(/\s+/);
      if (state === '06') ports.add(local.split(':').at(-1));
    }
  }
  return ports.size;
}

// ---------------------------------------------------------------------------
// 4. Pool overhead

async function pools(probes) {
  const jobs = settings.poolJobs;
  const cases = [
    [
      'go',
      'worker-pool',
      '`workerpool.Run`',
      'goroutines + `WaitGroup` draining a channel',
      jobs.go,
      [probes.go, 'bare-pool', '-jobs', jobs.go, '-workers', poolWorkers],
    ],
    [
      'go',
      'fan-out',
      '`fanout.Run`',
      'a goroutine per job + `WaitGroup`',
      jobs.go,
      [probes.go, 'bare-fanout', '-jobs', jobs.go],
    ],
    [
      'python-asyncio',
      'worker-pool',
      '`worker_pool.run`',
      '`asyncio.gather` of 4 loops over one iterator',
      jobs.asyncio,
      [python, probes.python, 'bare-pool-asyncio', '--jobs', jobs.asyncio, '--workers', poolWorkers],
    ],
    [
      'python-asyncio',
      'fan-out',
      '`fan_out.run`',
      '`asyncio.gather` of every job',
      jobs.asyncio,
      [python, probes.python, 'bare-fanout-asyncio', '--jobs', jobs.asyncio],
    ],
    [
      'python-threading',
      'worker-pool',
      '`worker_pool.run`',
      '`ThreadPoolExecutor(4).map`',
      jobs.threads,
      [python, probes.python, 'bare-pool-threads', '--jobs', jobs.threads, '--workers', poolWorkers],
    ],
    [
      'python-threading',
      'fan-out',
      '`fan_out.run`',
      '`ThreadPoolExecutor(jobs).map`',
      jobs.threadsFanOut,
      [python, probes.python, 'bare-fanout-threads', '--jobs', jobs.threadsFanOut],
    ],
    [
      'python-multiprocessing',
      'worker-pool',
      '`worker_pool.run`',
      '`ProcessPoolExecutor(4).map` (forkserver)',
      jobs.processes,
      [python, probes.python, 'bare-pool-processes', '--jobs', jobs.processes, '--workers', poolWorkers],
    ],
    [
      'typescript',
      'worker-pool',
      '`run` of worker-pool.ts',
      '`Promise.all` of 4 loops over one iterator',
      jobs.typescript,
      [process.execPath, probes.node, 'bare-pool', '--jobs', jobs.typescript, '--workers', poolWorkers],
    ],
    [
      'typescript',
      'fan-out',
      '`run` of fan-out.ts',
      '`Promise.all` of every job',
      jobs.typescript,
      [process.execPath, probes.node, 'bare-fanout', '--jobs', jobs.typescript],
    ],
  ];
  progress(`generating and building ${cases.length} projects`);
  const projects = await Promise.all(cases.map(([target, pattern]) => generate(target, pattern)));
  const rows = [];
  for (const [index, [target, pattern, component, bare, jobCount, bareCommand]] of cases.entries()) {
    progress(`pool overhead: ${pattern} on ${target}, ${jobCount} no-op jobs`);
    const project = projects[index];
    const componentCommand = {
      go: [
        path.join(project.dir, 'overhead'),
        '-jobs',
        jobCount,
        '-workers',
        poolWorkers,
        '-samples',
        settings.samples,
      ],
      typescript: [
        process.execPath,
        'overhead.mjs',
        pattern,
        '--jobs',
        jobCount,
        '--workers',
        poolWorkers,
        '--samples',
        settings.samples,
      ],
    }[target] ?? [
      python,
      'overhead.py',
      project.package,
      target,
      pattern,
      '--jobs',
      jobCount,
      '--workers',
      poolWorkers,
      '--samples',
      settings.samples,
    ];
    const sampleFlag = target === 'go' ? '-samples' : '--samples';
    // Alternate bare and component, so that load from other work hits both.
    const bareRun = await runJson([...bareCommand, sampleFlag, settings.samples]);
    const componentRun = await runJson(componentCommand, project.dir);
    // CPU time, which other work on the machine hardly changes, where it sees all the work: the
    // process pools' workers are children of the forkserver, out of reach, so those use wall time.
    const measure = target === 'python-multiprocessing' ? 'wall' : 'cpu';
    const key = measure === 'cpu' ? 'cpu_samples_us' : 'samples_us';
    const componentUs = median(componentRun[key]);
    const bareUs = median(bareRun[key]);
    rows.push({
      target,
      pattern,
      component,
      bare,
      jobs: jobCount,
      workers: pattern === 'fan-out' ? jobCount : poolWorkers,
      measure,
      component_us: componentUs,
      bare_us: bareUs,
      ratio: componentUs / bareUs,
      component_wall_us: median(componentRun.samples_us),
      bare_wall_us: median(bareRun.samples_us),
      component_samples: { wall_us: componentRun.samples_us, cpu_us: componentRun.cpu_samples_us },
      bare_samples: { wall_us: bareRun.samples_us, cpu_us: bareRun.cpu_samples_us },
    });
  }
  return rows;
}

// TypeScript projects are generated inside this checkout's node_modules when it
// holds the compiler and the Node types the templates pin: tsc then finds them
// by walking up, and no `npm install` is needed.
const typescriptHome = path.join(root, 'node_modules', '.cache', path.basename(workDir));
const compilerHere = ['typescript/bin/tsc', '@types/node/package.json'].every((file) =>
  existsSync(path.join(root, 'node_modules', file)),
);

/** Generates the project of `pattern` on `target` with the scaffolder of this checkout, and its driver. */
async function generate(target, pattern) {
  const name = `bench-${pattern}`;
  const home = target === 'typescript' && compilerHere ? typescriptHome : workDir;
  const dir = path.join(home, `${target}-${pattern}`);
  mkdirSync(home, { recursive: true });
  await runText(
    [process.execPath, bin, dir, '--pattern', pattern, '--target', target, '--name', name, '--yes', '--no-git'],
    home,
  );
  const components = path.join(here, 'components');
  const project = { dir, package: name.replaceAll('-', '_') };
  if (target === 'go') {
    const driverDir = path.join(dir, 'cmd', 'overhead');
    mkdirSync(driverDir, { recursive: true });
    cpSync(path.join(components, 'overhead.go'), path.join(driverDir, 'main.go'));
    const run = readFileSync(path.join(components, `overhead-${pattern}.go`), 'utf8').replaceAll('MODULE', name);
    writeFileSync(path.join(driverDir, 'run.go'), run);
    await runText(['go', 'build', '-o', 'overhead', './cmd/overhead'], dir);
  } else if (target === 'typescript') {
    cpSync(path.join(components, 'overhead.mjs'), path.join(dir, 'overhead.mjs'));
    if (compilerHere) {
      await runText([process.execPath, path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], dir);
    } else {
      await runText(['npm', 'install', '--no-audit', '--no-fund', '--prefer-offline'], dir);
      await runText(['npx', 'tsc'], dir);
    }
  } else {
    cpSync(path.join(components, 'overhead.py'), path.join(dir, 'overhead.py'));
  }
  progress(`generated ${pattern} for ${target}`);
  return project;
}

// ---------------------------------------------------------------------------
// The probes

async function buildProbes() {
  progress('building the Go probe');
  const go = path.join(workDir, 'benchprobe');
  await runText(['go', 'build', '-o', go, '.'], path.join(here, 'go'));
  return { go, python: path.join(here, 'python', 'probe.py'), node: path.join(here, 'node', 'probe.mjs') };
}

/** Runs a command in its own process group, killed whole at the time limit; resolves to its stdout. */
function runText([command, ...args], cwd = workDir) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args.map(String), { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
    const limit = setTimeout(() => killGroup(child.pid), runTimeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      killGroup(child.pid);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${[command, ...args].join(' ')}: exit ${code ?? signal}\n${stderr.trim()}`));
    });
  });
}

async function runJson(command, cwd) {
  const text = await runText(command, cwd);
  return JSON.parse(text.trim().split('\n').at(-1));
}

function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group has already gone.
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

// ---------------------------------------------------------------------------
// The machine

function machine() {
  return {
    cores: os.availableParallelism(),
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    load_start: os.loadavg().map((load) => Number(load.toFixed(2))),
  };
}

function versions() {
  const version = (command, args) => {
    const result = spawnSync(command, args, { encoding: 'utf8' });
    return result.status === 0 ? `${result.stdout}${result.stderr}`.trim().split('\n')[0] : 'not found';
  };
  return {
    node: process.version,
    go: version('go', ['env', 'GOVERSION']),
    python: version(python, ['-c', 'import sys; print(sys.version.split()[0])']),
    gomaxprocs: os.availableParallelism(),
  };
}

await main();

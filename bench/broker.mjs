// Jobs per second through one Redis Stream (SPEC §8), for 1, 2 and 4 worker
// processes of every target's worker-pool --broker redis program, against
// the ceilings measured on the same server in the same run: redis-benchmark's
// XADD rate with pipelining off, with 1 client and with 50.
//   npm run build && node bench/broker.mjs [--quick] [--json] [--target <id>] [--slots <n>]
// Each run: a producer fills the stream with no-op jobs (--work-ms 0), then N
// worker processes drain it; the time is from the first worker's "ready" line
// (connected, its group made) until the stream is empty (XLEN 0), so neither
// the producer's speed nor a runtime's own start-up counts; the start-up is
// reported beside the rate.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { brokers, targets } from '../dist/cli.js';

const quick = process.argv.includes('--quick');
const asJson = process.argv.includes('--json');
// --target <id> measures one target only.
const onlyTarget = process.argv.includes('--target') ? process.argv[process.argv.indexOf('--target') + 1] : undefined;
const jobs = quick ? 2000 : 20000;
const workerCounts = [1, 2, 4];
// --slots <n>: the worker slots (--workers) of each process; more slots read and settle in
// bigger batches, which is what no-op jobs are bound by.
const slotsPerWorker = process.argv.includes('--slots') ? Number(process.argv[process.argv.indexOf('--slots') + 1]) : 8;
if (!Number.isInteger(slotsPerWorker) || slotsPerWorker < 1) {
  console.error('error: --slots takes a whole number of at least 1');
  process.exit(2);
}
const broker = brokers.find((b) => b.id === 'redis');
const bin = path.join(import.meta.dirname, '..', 'bin', 'create-concur-pattern.js');
const workDir = mkdtempSync(path.join(os.tmpdir(), 'ccp-broker-bench-'));
const pythonTools = path.join(import.meta.dirname, '..', '.cache', 'python-tools', 'bin');
const env = { ...process.env, PATH: [pythonTools, process.env.PATH].join(path.delimiter) };

function run(command, cwd) {
  const [file, ...args] = command;
  const result = spawnSync(file, args, { cwd, env, encoding: 'utf8', timeout: 600_000 });
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed in ${cwd}:\n${result.stderr || result.stdout}`);
  return result.stdout;
}

async function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const cli = (port, ...args) => run(['redis-cli', '-p', String(port), ...args.map(String)], workDir).trim();

function prepare(target) {
  const parent = path.join(workDir, target.id);
  run(['mkdir', '-p', parent], workDir);
  const install = target.commands.install ? '--install' : '--no-install';
  run(['node', bin, 'bench-app', '-p', 'worker-pool', '-t', target.id, '--broker', broker.id, install], parent);
  const directory = path.join(parent, 'bench-app');
  // A Python project imports its name with underscores (src/names.ts).
  const packageName = target.language === 'python' ? 'bench_app' : 'bench-app';
  const resolve = (command) => command.map((word) => word.replaceAll('{package}', packageName));
  if (target.commands.build) run(resolve(target.commands.build), directory);
  return { target, directory, command: resolve(target.commands.program) };
}

function start(program, args) {
  const [file, ...rest] = [...program.command, ...args];
  const child = spawn(file, rest, { cwd: program.directory, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  // SPEC's human output: the program writes "ready: …" once it can take jobs.
  const ready = new Promise((resolve) => {
    let head = '';
    const watch = (chunk) => {
      head += chunk;
      if (!/^ready:/m.test(head)) return;
      resolve(performance.now());
      child.stdout.off('data', watch);
      child.stdout.resume(); // the events that follow are read and dropped
    };
    child.stdout.on('data', watch);
  });
  const exited = new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  return { child, ready, exited };
}

// XLEN over one connection, polled every few milliseconds: a redis-cli per
// poll would take a share of the two cores from the workers it measures.
async function openLengthProbe(port) {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.setEncoding('utf8');
  let reply = '';
  let answer;
  socket.on('data', (chunk) => {
    reply += chunk;
    const end = reply.indexOf('\r\n');
    if (end < 0) return;
    const line = reply.slice(0, end);
    reply = reply.slice(end + 2);
    answer(line);
  });
  return {
    length: (key) =>
      new Promise((resolve, reject) => {
        answer = (line) => (line.startsWith(':') ? resolve(Number(line.slice(1))) : reject(new Error(line)));
        socket.write(`XLEN ${key}\r\n`);
      }),
    close: () => socket.destroy(),
  };
}

async function drainRate(program, port, workers) {
  const stream = `bench:${program.target.id}:${workers}`;
  const url = `redis://127.0.0.1:${port}/0`;
  const common = ['--redis-url', url, '--stream', stream];
  const producer = start(
    program,
    [...common, '--role', 'producer', '--jobs', jobs, '--buffer', jobs, '--work-ms', 0].map(String),
  );
  const produced = await producer.exited;
  if (produced.code !== 0) throw new Error(`producer exited ${produced.code}: ${produced.stderr}`);
  const spawnedAt = performance.now();
  const running = Array.from({ length: workers }, (_, index) =>
    start(
      program,
      [
        ...common,
        '--role',
        'worker',
        '--workers',
        slotsPerWorker,
        '--consumer',
        `w${index}`,
        '--idle-exit-ms',
        300,
      ].map(String),
    ),
  );
  const firstReady = Promise.race(running.map((worker) => worker.ready));
  const probe = await openLengthProbe(port);
  let emptyAt;
  try {
    while (emptyAt === undefined) {
      if ((await probe.length(stream)) === 0) emptyAt = performance.now();
      else await sleep(5);
    }
  } finally {
    probe.close();
  }
  for (const worker of running) {
    const { code, stderr } = await worker.exited;
    if (code !== 0) throw new Error(`worker exited ${code}: ${stderr}`);
  }
  const readyAt = await firstReady;
  return { rate: jobs / ((emptyAt - readyAt) / 1000), startupMs: readyAt - spawnedAt };
}

async function main() {
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no', '--dir', workDir], {
    stdio: 'ignore',
  });
  try {
    const answers = () => spawnSync('redis-cli', ['-p', String(port), 'PING'], { encoding: 'utf8' }).stdout?.trim();
    for (let tries = 0; answers() !== 'PONG'; tries++) {
      if (tries > 100) throw new Error('redis-server did not start');
      await sleep(50);
    }
    // The server's XADD rate, each client sending one command and waiting for
    // its reply: with 1 client it is bound by the round trip, with 50
    // (redis-benchmark's default) by the server. Workers are judged against both.
    const xaddRate = (clients) => {
      const output = run(
        [
          'redis-benchmark',
          '-p',
          String(port),
          '-q',
          '-n',
          String(quick ? 20000 : 200000),
          '-c',
          String(clients),
          '-P',
          '1',
          'XADD',
          'bench:ceiling',
          '*',
          'job',
          '1',
          'payload',
          '{"work_ms":0,"fail":false}',
        ],
        workDir,
      );
      const rate = Number(/([\d.]+) requests per second/.exec(output)?.[1]);
      cli(port, 'DEL', 'bench:ceiling');
      return rate;
    };
    const ceilings = { oneClient: xaddRate(1), fiftyClients: xaddRate(50) };
    const rows = [];
    for (const target of targets.filter((t) => !onlyTarget || t.id === onlyTarget)) {
      const program = prepare(target);
      for (const workers of workerCounts) {
        const { rate, startupMs } = await drainRate(program, port, workers);
        rows.push({
          target: target.id,
          workers,
          slotsPerWorker,
          startupMs: Math.round(startupMs),
          jobsPerSecond: Math.round(rate),
          ofOneClient: rate / ceilings.oneClient,
          ofFiftyClients: rate / ceilings.fiftyClients,
        });
      }
    }
    const machine = `${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(2)}`;
    if (asJson) {
      process.stdout.write(
        `${JSON.stringify({ jobs, ceilings: { xaddPerSecond: ceilings, pipeline: 1 }, machine, rows }, null, 2)}\n`,
      );
      return;
    }
    console.log(
      `redis-benchmark XADD, pipelining off: ${Math.round(ceilings.oneClient)} per second with 1 client, ${Math.round(ceilings.fiftyClients)} with 50`,
    );
    console.log(`${jobs} no-op jobs drained from one stream; ${slotsPerWorker} worker slots per process; ${machine}\n`);
    console.log(
      '| target | worker processes | start-up to ready, ms | jobs per second | of XADD, 1 client | of XADD, 50 clients |',
    );
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const row of rows) {
      console.log(
        `| ${row.target} | ${row.workers} | ${row.startupMs} | ${row.jobsPerSecond} | ${(row.ofOneClient * 100).toFixed(1)}% | ${(row.ofFiftyClients * 100).toFixed(1)}% |`,
      );
    }
  } finally {
    server.kill('SIGTERM');
    rmSync(workDir, { recursive: true, force: true });
  }
}

await main();

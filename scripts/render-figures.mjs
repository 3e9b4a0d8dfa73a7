// Renders the figures of docs/benchmarks.json (written by bench/claims.mjs)
// into the docs that quote them, so that no figure is typed by hand:
// every block between <!-- figures:NAME --> and <!-- /figures:NAME --> in
// docs/benchmarks.md, docs/choosing.md and templates/_patterns/*.md, and the
// chart docs/benchmarks.svg.
//   node scripts/render-figures.mjs           rewrite the blocks and the chart
//   node scripts/render-figures.mjs --check   exit 1 if any of them differs
// --root DIR works on a copy of the repository (the unit test uses it).
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

export const reproduce =
  'npm run build && node bench/claims.mjs --out docs/benchmarks.json && node scripts/render-figures.mjs';

// The article's figures, next to which ours are shown.
const articleSwitch = {
  'go-channel': '~0.2 µs (goroutine)',
  'go-channel-os-threads': '~1–2 µs (OS thread)',
  'asyncio-queue': '~0.3 µs (coroutine)',
  'thread-queue': '~15 µs (Python thread)',
};
const articleMemory = { 'asyncio-task': '~1 KB', thread: '~8 MB', goroutine: '2 KB initially' };

const number = (value, digits) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const us = (value) => number(value, value < 1 ? 2 : value < 10 ? 1 : 0);
const times = (value) => `${number(value, value < 10 ? 1 : 0)}×`;
const bytes = (value) => (value >= 10_240 ? `${number(value / 1024, 0)} KB` : `${number(value, 0)} B`);

const duration = (micros) =>
  micros < 1000 ? `${us(micros)} µs` : `${number(micros / 1000, micros < 10_000 ? 1 : 0)} ms`;

// The rule of cpuSpeedup in src/figures.ts, for the docs (test/unit/render-figures.test.ts holds the
// two together): a speed-up is shown only when the run could show one.
const oneCoreByDesign = new Set(['python-threads']);
const freeCoreCores = 1.8;
export const noFreeCore = 'not measurable in this run: no free core';
export function cpuSpeedup(row, results) {
  const hadFreeCore = oneCoreByDesign.has(row.id)
    ? results.cpu.some((other) => !oneCoreByDesign.has(other.id) && other.cores_two >= freeCoreCores)
    : row.cores_two >= freeCoreCores;
  return hadFreeCore ? `${number(row.speedup, 2)}×` : noFreeCore;
}

function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** One sentence naming the run: date, machine, versions, load. */
export function runLine(results) {
  const { machine, versions } = results;
  const day = results.date.slice(0, 10);
  const load = `load average ${machine.load_start[0]} at the start, ${machine.load_end[0]} at the end`;
  return (
    `Measured ${day} (${results.mode} run, ${results.duration_s} s) on ${machine.cores} cores (${machine.cpu}), ` +
    `${machine.memory_gb} GB, ${machine.os}, ${load}; Node ${versions.node}, Go ${versions.go.replace(/^go/, '')}, ` +
    `CPython ${versions.python}.`
  );
}

const versionAt = (root) => JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version;

/**
 * The blocks of every figures marker. `version` is the package version whose docs/benchmarks.md the
 * pattern intros link: figures change between versions, so a generated README points at its own.
 */
export function renderBlocks(results, version = versionAt(path.join(import.meta.dirname, '..'))) {
  const blocks = {};
  blocks.run = `${runLine(results)} Reproduce: \`${reproduce}\`.`;

  blocks.handoff = table(
    ['units', 'primitive', 'round trip', 'one way', "article's switch"],
    results.handoff.map((row) => [
      row.units,
      row.primitive,
      `${us(row.us_round_trip)} µs`,
      `${us(row.us_round_trip / 2)} µs`,
      articleSwitch[row.id] ?? '–',
    ]),
  );

  blocks.start = table(
    ['unit', 'start one that does nothing, and join it'],
    results.start.map((row) => [row.unit, duration(row.us)]),
  );

  blocks.cpu = table(
    ['two CPU-bound jobs on', '1 unit', 'cores used', '2 units', 'cores used', 'speed-up'],
    results.cpu.map((row) => [
      row.label,
      `${number(row.one.wall_s, 2)} s`,
      number(row.cores_one, 2),
      `${number(row.two.wall_s, 2)} s`,
      number(row.cores_two, 2),
      cpuSpeedup(row, results),
    ]),
  );

  const parkedIds = [...new Set(results.parked.map((row) => row.id))];
  const counts = [...new Set(results.parked.map((row) => row.units_asked))];
  blocks.parked = table(
    ['unit', 'parked how', ...counts.map((count) => `${number(count, 0)} units`), 'article'],
    parkedIds.map((id) => {
      const rows = results.parked.filter((row) => row.id === id);
      return [
        rows[0].unit,
        rows[0].how,
        ...counts.map((count) => {
          const row = rows.find((candidate) => candidate.units_asked === count);
          if (!row) return '–';
          const reached = row.units < row.units_asked ? ` (only ${number(row.units, 0)} started)` : '';
          return `${bytes(row.bytes_per_unit)}${reached}`;
        }),
        articleMemory[id] ?? '–',
      ];
    }),
  );

  for (const scenario of results.http.scenarios) {
    const name = scenario.workers === results.http.requests ? 'http-each' : 'http-keepalive';
    const rows = [...scenario.rows].sort((a, b) => a.wall_s - b.wall_s);
    blocks[name] = [
      table(
        ['client', 'wall', '× fastest', 'CPU', '× least', 'peak RSS (sum)', '× least'],
        rows.map((row) => [
          row.label + (row.processes > 1 ? ` (${row.processes} processes)` : ''),
          `${number(row.wall_s, 2)} s`,
          times(row.wall_ratio),
          `${number(row.cpu_s, 2)} s`,
          times(row.cpu_ratio),
          `${number(row.rss_mb, 0)} MB`,
          times(row.rss_ratio),
        ]),
      ),
      ...Object.entries(scenario.skipped).map(([id, why]) => `\n${id}: ${why}.`),
    ].join('\n');
  }

  const keepAlive = results.http.scenarios.find((scenario) => scenario.workers !== results.http.requests);
  const order = (key) =>
    [...keepAlive.rows]
      .sort((a, b) => a[key] - b[key])
      .map((row) => `${row.label} (${times(row[key.replace(/_.*/, '_ratio')])})`)
      .join(', ');
  blocks['http-order'] = [
    `- by wall time: ${order('wall_s')}`,
    `- by CPU seconds: ${order('cpu_s')}`,
    `- by peak memory: ${order('rss_mb')}`,
  ].join('\n');

  const { wrk } = results.http;
  blocks.wrk = wrk.missing
    ? `wrk was not installed, so the Go client was not compared with a load generator (${wrk.note}).`
    : `${wrk.version.replace(/ Copyright.*/, '')}, ${wrk.connections} connections: ${number(wrk.rate, 0)} ` +
      `requests/s (median of ${wrk.runs.length}), ${us(wrk.cpu_us_per_request)} µs of CPU per request; ` +
      `the Go client with ${wrk.connections} keep-alive connections: ${number(wrk.go_rate, 0)} requests/s, ` +
      `${number(wrk.go_share * 100, 0)} % of wrk's rate, ${us(wrk.go_cpu_us_per_request)} µs of CPU per request.`;

  blocks.pools = table(
    ['target', 'pattern', 'component', 'bare primitive', 'measured', 'component µs/job', 'bare µs/job', 'ratio'],
    results.pools.map((row) => [
      row.target,
      row.pattern,
      row.component,
      row.bare,
      row.measure === 'cpu' ? 'CPU time' : 'wall time',
      us(row.component_us),
      us(row.bare_us),
      `${number(row.ratio, 2)}×${row.ratio > 1.25 ? ' ⚠' : ''}`,
    ]),
  );

  // One list per pattern intro, in every generated README: the figures, then where they come from.
  const source =
    `Measured ${results.date.slice(0, 10)} on ${results.machine.cores} cores (${results.machine.cpu}, ` +
    `load average ${results.machine.load_start[0]} at the start, ${results.machine.load_end[0]} at the end) by create-concur-pattern's ` +
    `[benchmarks](https://unpkg.com/create-concur-pattern@${version}/docs/benchmarks.md).`;
  const list = (items) => `${items.map((item) => `- ${item}`).join('\n')}\n\n${source}`;
  for (const pattern of ['worker-pool', 'fan-out']) {
    blocks[`pattern-${pattern}`] = list(
      results.pools
        .filter((row) => row.pattern === pattern)
        .map(
          (row) =>
            `${row.target}: ${us(row.component_us)} µs of ${row.measure === 'cpu' ? 'CPU' : 'wall'} time, ${number(row.ratio, 2)}× the bare ${row.bare}`,
        ),
    );
  }
  // The multiprocessing buffer is a multiprocessing.Queue: a pipe plus a feeder thread and a lock,
  // so the measured Pipe round trip is the least it can cost.
  const queuedOnPipe = new Set(['process-pipe']);
  blocks['pattern-producer-consumer'] = list(
    results.handoff.map(
      (row) =>
        `${row.units}, ${row.primitive}: ${us(row.us_round_trip)} µs` +
        (queuedOnPipe.has(row.id)
          ? ' (a lower bound for `multiprocessing.Queue`, which adds a feeder thread and a lock)'
          : ''),
    ),
  );
  blocks['pattern-timeout'] = list(results.start.map((row) => `${row.unit}: ${duration(row.us)}`));
  const firstCount = results.parked[0].units_asked;
  blocks['pattern-graceful-stop'] = list(
    results.parked
      .filter((row) => row.units_asked === firstCount)
      .map((row) => `${row.unit}: ${bytes(row.bytes_per_unit)} resident, ${number(firstCount, 0)} parked at once`),
  );
  blocks.verdicts = table(['claim', 'article', 'measured', 'verdict'], verdictRows(results));
  blocks.chart = `![Wall time of 10,000 HTTP requests, as a ratio to the fastest client](benchmarks.svg)`;
  return blocks;
}

/**
 * "holds" when the measured figure is within a factor of 2 of the article's (or of its range),
 * else "off by N×" and in which direction.
 */
export function compare(measured, low, high = low) {
  if (measured >= low / 2 && measured <= high * 2) return 'holds';
  const factor = measured > high ? measured / high : low / measured;
  return `off by ${number(factor, factor < 10 ? 1 : 0)}× (${measured > high ? 'costs more' : 'costs less'})`;
}

/** Each of the article's figures against ours, with a verdict; the reasons are in docs/choosing.md. */
function verdictRows(results) {
  const handoff = Object.fromEntries(results.handoff.map((row) => [row.id, row.us_round_trip / 2]));
  const parkedAt = (id) => {
    const rows = results.parked.filter((row) => row.id === id);
    return rows.find((row) => row.units_asked === 10_000) ?? rows[0];
  };
  const keepAlive = results.http.scenarios.find((scenario) => scenario.workers !== results.http.requests);
  const client = (id) => keepAlive.rows.find((row) => row.id === id);
  const cpu = Object.fromEntries(results.cpu.map((row) => [row.id, row]));
  const rows = [];
  const switchRow = (claim, article, id, low, high) =>
    rows.push([claim, article, `${us(handoff[id])} µs one way`, compare(handoff[id], low, high)]);
  switchRow('Python thread switch', '~15 µs', 'thread-queue', 15);
  switchRow('coroutine switch', '~0.3 µs', 'asyncio-queue', 0.3);
  switchRow('goroutine switch', '~0.2 µs', 'go-channel', 0.2);
  switchRow('OS thread switch', '~1–2 µs', 'go-channel-os-threads', 1, 2);
  const task = parkedAt('asyncio-task').bytes_per_unit;
  rows.push(['coroutine memory', '~1 KB', `${bytes(task)} per parked task`, compare(task, 1024)]);
  const goroutine = parkedAt('goroutine').bytes_per_unit;
  rows.push([
    'goroutine memory',
    '2 KB initially',
    `${bytes(goroutine)} per parked goroutine`,
    compare(goroutine, 2048),
  ]);
  const thread = parkedAt('thread').bytes_per_unit;
  rows.push([
    'thread memory',
    '~8 MB',
    `${bytes(thread)} resident per parked thread`,
    'misleading: 8 MB is address space reserved for the stack, not memory used',
  ]);
  const asyncio = client('asyncio');
  const go = client('go');
  rows.push([
    `${number(results.http.requests, 0)} HTTP requests: asyncio time / Go time`,
    '12.3 s / 3.8 s = 3.2×',
    `${number(asyncio.wall_s / go.wall_s, 1)}× (${number(asyncio.wall_s, 2)} s / ${number(go.wall_s, 2)} s)`,
    `by wall time the direction ${asyncio.wall_s > go.wall_s ? 'holds' : 'is reversed'}, by CPU seconds it ` +
      `${asyncio.cpu_s > go.cpu_s ? 'holds' : 'is reversed'} (asyncio ${number(asyncio.cpu_s / go.cpu_s, 1)}× Go's CPU); ` +
      'the absolute times are not reproducible (no code, no server, no machine)',
  ]);
  rows.push([
    'HTTP: asyncio memory / Go memory',
    '180 MB / 50 MB = 3.6×',
    `${number(asyncio.rss_mb / go.rss_mb, 1)}× (${number(asyncio.rss_mb, 0)} MB / ${number(go.rss_mb, 0)} MB)`,
    compare(asyncio.rss_mb / go.rss_mb, 3.6),
  ]);
  rows.push([
    'HTTP: CPU use',
    'asyncio 25 % of one core, Go 320 % of four',
    `asyncio ${number(asyncio.cpu_s, 2)} s of CPU, Go ${number(go.cpu_s, 2)} s`,
    'misleading: percentages of different wall times; what a client costs is CPU seconds per request',
  ]);
  const threads = cpu['python-threads'];
  const processes = cpu['python-processes'];
  rows.push([
    'CPU-bound: multiprocessing beats threads (GIL)',
    'qualitative',
    `speed-up of 2 processes: ${cpuSpeedup(processes, results)}; of 2 threads: ${cpuSpeedup(threads, results)}`,
    cpuSpeedup(processes, results) === noFreeCore
      ? 'not seen in this run: no free core'
      : processes.speedup > threads.speedup * 1.2
        ? 'holds'
        : 'not seen in this run',
  ]);
  return rows;
}

/** The whole report as markdown: what bench/claims.mjs prints without --json. */
export function renderMarkdown(results) {
  const blocks = renderBlocks(results);
  return [
    `# Claims benchmark\n\n${blocks.run}`,
    `## Hand-off: one round trip between two units\n\n${blocks.handoff}`,
    `## Starting a unit\n\n${blocks.start}`,
    `## CPU-bound work: 2 jobs on 1 unit, then on 2\n\n${blocks.cpu}`,
    `## Memory per parked unit (RSS)\n\n${blocks.parked}`,
    `## ${number(results.http.requests, 0)} HTTP requests, ${results.http.scenarios[0].workers} keep-alive connections\n\n${blocks['http-keepalive']}`,
    `## ${number(results.http.requests, 0)} HTTP requests, one connection each, all at once\n\n${blocks['http-each']}`,
    `## Go client against a load generator\n\n${blocks.wrk}`,
    `## Pool overhead per no-op job\n\n${blocks.pools}`,
    `## The article's figures\n\n${blocks.verdicts}`,
  ]
    .join('\n\n')
    .concat('\n');
}

/** A horizontal bar chart of the HTTP wall-time ratios, both scenarios. */
export function renderSvg(results) {
  const barHeight = 18;
  const left = 250;
  const width = 720;
  const scale =
    (width - left - 70) / Math.max(...results.http.scenarios.flatMap((s) => s.rows.map((r) => r.wall_ratio)));
  let y = 40;
  const parts = [];
  const escape = (text) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('`', '');
  for (const scenario of results.http.scenarios) {
    const title =
      scenario.workers === results.http.requests
        ? `${number(results.http.requests, 0)} requests, one connection each, all at once`
        : `${number(results.http.requests, 0)} requests over ${scenario.workers} keep-alive connections`;
    parts.push(`<text x="10" y="${y}" font-weight="bold">${escape(title)}</text>`);
    y += 10;
    for (const row of [...scenario.rows].sort((a, b) => a.wall_ratio - b.wall_ratio)) {
      const bar = Math.max(1, row.wall_ratio * scale);
      parts.push(
        `<text x="${left - 8}" y="${y + 13}" text-anchor="end">${escape(row.label)}</text>`,
        `<rect x="${left}" y="${y}" width="${bar.toFixed(1)}" height="${barHeight - 4}" fill="#4a7ab5"/>`,
        `<text x="${(left + bar + 6).toFixed(1)}" y="${y + 13}">${number(row.wall_ratio, row.wall_ratio < 10 ? 1 : 0)}× (${number(row.wall_s, 2)} s)</text>`,
      );
      y += barHeight;
    }
    y += 24;
  }
  const caption = `Wall time as a ratio to the fastest client; ${results.date.slice(0, 10)}, ${results.machine.cores} cores, median of ${results.http.runs}`;
  parts.push(`<text x="10" y="${y}" font-size="11">${escape(caption)}</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 14}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...parts.map((part) => `  ${part}`),
    '</svg>',
    '',
  ].join('\n');
}

/** What is wrong with the shape of `results`, as a list of reasons; empty when it is well formed. */
export function checkShape(results) {
  const problems = [];
  const need = (condition, what) => condition || problems.push(what);
  const positive = (value) => typeof value === 'number' && Number.isFinite(value) && value > 0;
  need(results.schema === 1, 'schema is not 1');
  need(!Number.isNaN(Date.parse(results.date)), 'date is not a date');
  need(positive(results.machine?.cores), 'machine.cores missing');
  for (const key of ['node', 'go', 'python'])
    need(typeof results.versions?.[key] === 'string', `versions.${key} missing`);
  need(Array.isArray(results.handoff) && results.handoff.length === 7, 'handoff needs 7 rows');
  for (const row of results.handoff ?? []) need(positive(row.us_round_trip), `handoff ${row.id}: no round trip`);
  need(Array.isArray(results.start) && results.start.length === 6, 'start needs 6 rows');
  for (const row of results.start ?? []) need(positive(row.us), `start ${row.id}: no time`);
  need(Array.isArray(results.cpu) && results.cpu.length === 4, 'cpu needs 4 rows');
  for (const row of results.cpu ?? []) need(positive(row.speedup), `cpu ${row.id}: no speed-up`);
  need(Array.isArray(results.parked) && results.parked.length >= 4, 'parked needs a row per unit');
  for (const row of results.parked ?? []) need(positive(row.units), `parked ${row.id}: no units`);
  need(results.http?.scenarios?.length === 2, 'http needs the keep-alive and the one-each scenario');
  for (const scenario of results.http?.scenarios ?? []) {
    need(scenario.rows.length >= 4, `http W=${scenario.workers}: too few clients`);
    for (const row of scenario.rows) {
      for (const key of ['wall_s', 'cpu_s', 'rss_mb', 'wall_ratio', 'cpu_ratio', 'rss_ratio']) {
        need(positive(row[key]), `http W=${scenario.workers} ${row.id}: ${key} missing`);
      }
    }
    need(
      Math.min(...scenario.rows.map((row) => row.wall_ratio)) === 1,
      `http W=${scenario.workers}: no fastest client`,
    );
  }
  need(results.http?.wrk?.missing === true || positive(results.http?.wrk?.rate), 'wrk: neither a rate nor missing');
  need(Array.isArray(results.pools) && results.pools.length === 9, 'pools needs 9 rows');
  for (const row of results.pools ?? []) need(positive(row.ratio), `pools ${row.target} ${row.pattern}: no ratio`);
  return problems;
}

/** Replaces every figures block of `text` with its rendering; throws on a block it does not know. */
export function applyBlocks(text, blocks, file) {
  // A block inside a list item keeps the item's indentation.
  return text.replace(/^( *)<!-- figures:([\w-]+) -->\n[\s\S]*?<!-- \/figures:\2 -->/gm, (_, indent, name) => {
    if (!(name in blocks)) throw new Error(`${file}: unknown figures block ${name}`);
    const body = blocks[name]
      .split('\n')
      .map((line) => (line ? indent + line : line))
      .join('\n');
    return `${indent}<!-- figures:${name} -->\n\n${body}\n\n${indent}<!-- /figures:${name} -->`;
  });
}

async function main() {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false }, root: { type: 'string' } } });
  const root = path.resolve(values.root ?? path.join(import.meta.dirname, '..'));
  const results = JSON.parse(readFileSync(path.join(root, 'docs', 'benchmarks.json'), 'utf8'));
  const problems = checkShape(results);
  if (problems.length) throw new Error(`docs/benchmarks.json is malformed:\n  ${problems.join('\n  ')}`);
  const blocks = renderBlocks(results, versionAt(root));
  const { format, resolveConfig } = await import('prettier');
  const patterns = path.join(root, 'templates', '_patterns');
  const files = [
    path.join(root, 'docs', 'benchmarks.md'),
    path.join(root, 'docs', 'choosing.md'),
    ...readdirSync(patterns)
      .filter((name) => name.endsWith('.md'))
      .map((name) => path.join(patterns, name)),
  ];
  const outputs = [[path.join(root, 'docs', 'benchmarks.svg'), renderSvg(results)]];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const rendered = applyBlocks(text, blocks, file);
    // docs/ is kept prettier-clean; templates/ is not prettier's (it holds EJS).
    const formatted = file.startsWith(path.join(root, 'docs'))
      ? await format(rendered, { ...(await resolveConfig(file)), filepath: file })
      : rendered;
    outputs.push([file, formatted]);
  }
  const stale = [];
  for (const [file, content] of outputs) {
    let current;
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === content) continue;
    stale.push(path.relative(root, file));
    if (!values.check) writeFileSync(file, content);
  }
  if (values.check && stale.length) {
    console.error(
      `figures differ from docs/benchmarks.json in: ${stale.join(', ')}\nrun: node scripts/render-figures.mjs`,
    );
    process.exit(1);
  }
  console.log(stale.length ? `rendered: ${stale.join(', ')}` : 'every figure matches docs/benchmarks.json');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();

import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.join(import.meta.dirname, '..', '..');
const script = path.join(root, 'scripts', 'render-figures.mjs');

interface Results {
  handoff: { id: string; us_round_trip: number }[];
  pools: { target: string; pattern: string; ratio: number }[];
  http: { requests: number; scenarios: { workers: number; rows: { label: string; wall_ratio: number }[] }[] };
}

function render(args: string[]) {
  return spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 20_000 });
}

/** The rows of the markdown table between the markers of figures block `name`, as cells. */
function tableRows(text: string, name: string): string[][] {
  const block = new RegExp(`<!-- figures:${name} -->([\\s\\S]*?)<!-- /figures:${name} -->`).exec(text)?.[1];
  if (block === undefined) throw new Error(`no figures block ${name}`);
  return block
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2)
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
}

const figure = (cell: string) => Number(cell.replaceAll(',', '').replace(/[^\d.].*$/, ''));

describe('the figures in the docs', () => {
  const results = JSON.parse(readFileSync(path.join(root, 'docs', 'benchmarks.json'), 'utf8')) as Results;
  const choosing = readFileSync(path.join(root, 'docs', 'choosing.md'), 'utf8');

  it('are what scripts/render-figures.mjs renders from docs/benchmarks.json', () => {
    const check = render(['--check']);
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('in the hand-off table of docs/choosing.md are the results, row by row', () => {
    const rows = tableRows(choosing, 'handoff');
    expect(rows).toHaveLength(results.handoff.length);
    rows.forEach((row, index) => {
      const measured = results.handoff[index]!.us_round_trip;
      // Shown with two significant digits or more: within 5 % of the result.
      expect(Math.abs(figure(row[2]!) - measured) / measured).toBeLessThan(0.05);
    });
  });

  it('in the pool table of docs/choosing.md are the results, row by row', () => {
    const rows = tableRows(choosing, 'pools');
    expect(rows.map((row) => `${row[0]} ${row[1]}`)).toEqual(results.pools.map((p) => `${p.target} ${p.pattern}`));
    rows.forEach((row, index) => expect(figure(row[7]!)).toBeCloseTo(results.pools[index]!.ratio, 2));
  });

  it('in the keep-alive HTTP table follow the results, fastest first', () => {
    const scenario = results.http.scenarios.find((s) => s.workers !== results.http.requests)!;
    const expected = [...scenario.rows].sort((a, b) => a.wall_ratio - b.wall_ratio);
    const rows = tableRows(choosing, 'http-keepalive');
    expect(rows.map((row) => row[0]!.replace(/ \(\d+ processes\)$/, ''))).toEqual(expected.map((r) => r.label));
    expect(figure(rows[0]![2]!)).toBe(1);
  });
});

describe('the figures in the pattern intros', () => {
  const intros = ['fan-out', 'graceful-stop', 'producer-consumer', 'timeout', 'worker-pool'].map((pattern) => ({
    pattern,
    text: readFileSync(path.join(root, 'templates', '_patterns', `${pattern}.md`), 'utf8'),
  }));
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };

  it.each(intros)('$pattern links the benchmarks of the version it ships with', ({ text }) => {
    const links = [...text.matchAll(/https:\/\/unpkg\.com\/[^)\s]*/g)].map((match) => match[0]);
    expect(links.length).toBeGreaterThan(0);
    for (const link of links)
      expect(link).toBe(`https://unpkg.com/create-concur-pattern@${version}/docs/benchmarks.md`);
  });

  it("producer-consumer quotes the Pipe round trip as a lower bound for the multiprocessing buffer's Queue", () => {
    const line = intros
      .find((intro) => intro.pattern === 'producer-consumer')!
      .text.split('\n')
      .find((candidate) => candidate.includes('multiprocessing.Pipe'));
    expect(line).toMatch(/lower bound for `multiprocessing\.Queue`/);
  });
});

describe('render-figures.mjs --check', () => {
  const copy = mkdtempSync(path.join(os.tmpdir(), 'ccp-figures-'));
  afterAll(() => rmSync(copy, { recursive: true, force: true }));
  mkdirSync(path.join(copy, 'templates'), { recursive: true });
  cpSync(path.join(root, 'docs'), path.join(copy, 'docs'), { recursive: true });
  cpSync(path.join(root, 'templates', '_patterns'), path.join(copy, 'templates', '_patterns'), { recursive: true });
  cpSync(path.join(root, '.prettierrc.json'), path.join(copy, '.prettierrc.json'));
  cpSync(path.join(root, 'package.json'), path.join(copy, 'package.json'));

  it('fails when a figure in the docs no longer matches the results, and rendering fixes it', () => {
    expect(render(['--check', '--root', copy]).status).toBe(0);
    const file = path.join(copy, 'docs', 'benchmarks.json');
    const changed = JSON.parse(readFileSync(file, 'utf8')) as Results;
    changed.handoff[0]!.us_round_trip = 1234.5;
    writeFileSync(file, JSON.stringify(changed, null, 2));

    const stale = render(['--check', '--root', copy]);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain('docs/choosing.md');
    expect(stale.stderr).toContain('docs/benchmarks.md');

    expect(render(['--root', copy]).status).toBe(0);
    expect(render(['--check', '--root', copy]).status).toBe(0);
    const rerendered = readFileSync(path.join(copy, 'docs', 'choosing.md'), 'utf8');
    expect(tableRows(rerendered, 'handoff')[0]![2]).toBe('1,235 µs');
  });
});

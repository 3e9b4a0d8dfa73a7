// The measured figures --recommend quotes, read from docs/benchmarks.json
// (written by bench/claims.mjs) and bundled into dist/cli.js at build time,
// so that no figure is typed by hand. Formatted as
// scripts/render-figures.mjs formats them for the docs.

import benchmarks from '../docs/benchmarks.json' with { type: 'json' };
import type { FigureRef } from './decision-tree.js';

export type Benchmarks = typeof benchmarks;

export const number = (value: number, digits: number) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const micros = (value: number) => `${number(value, value < 1 ? 2 : value < 10 ? 1 : 0)} µs`;
export const duration = (value: number) =>
  value < 1000 ? micros(value) : `${number(value / 1000, value < 10_000 ? 1 : 0)} ms`;
export const bytes = (value: number) => (value >= 10_240 ? `${number(value / 1024, 0)} KB` : `${number(value, 0)} B`);
const seconds = (value: number) => `${number(value, 2)} s`;

/** Rows whose units share one core by design (the GIL): they never use two cores themselves. */
const oneCoreByDesign = new Set(['python-threads']);
/** How close to two full cores a two-unit run must get to show that the machine had a free core. */
const freeCoreCores = 1.8;
export const noFreeCore = 'not measurable in this run: no free core';

/**
 * The speed-up of CPU row `id` ("1.95×"), or why this run cannot show one. A busy machine shrinks
 * every speed-up towards 1×, so a parallel row's figure counts only when its own two-unit run got
 * close to two cores, and a GIL-bound row's only when some parallel row of the same run did.
 * scripts/render-figures.mjs applies the same rule to the docs; a unit test holds them together.
 */
export function cpuSpeedup(id: string, results: Benchmarks = benchmarks): string {
  const row = results.cpu.find((candidate) => candidate.id === id);
  if (!row) throw new Error(`docs/benchmarks.json has no cpu row ${id}`);
  const hadFreeCore = oneCoreByDesign.has(id)
    ? results.cpu.some((other) => !oneCoreByDesign.has(other.id) && other.cores_two >= freeCoreCores)
    : row.cores_two >= freeCoreCores;
  return hadFreeCore ? `${number(row.speedup, 2)}×` : noFreeCore;
}

/** One figure as a sentence with its unit and what was measured; throws when the row is missing. */
export function quoteFigure(figure: FigureRef, results: Benchmarks = benchmarks): string {
  const missing = () => new Error(`docs/benchmarks.json has no ${figure.table} row ${figure.id}`);
  switch (figure.table) {
    case 'handoff': {
      const row = results.handoff.find((candidate) => candidate.id === figure.id);
      if (!row) throw missing();
      return `${row.units} through ${row.primitive}: ${micros(row.us_round_trip)} per round trip`;
    }
    case 'start': {
      const row = results.start.find((candidate) => candidate.id === figure.id);
      if (!row) throw missing();
      return `${row.unit}: ${duration(row.us)} to start one that does nothing and join it`;
    }
    case 'cpu': {
      const row = results.cpu.find((candidate) => candidate.id === figure.id);
      if (!row) throw missing();
      return (
        `two CPU-bound jobs on ${row.label}: ${seconds(row.one.wall_s)} on one, ${seconds(row.two.wall_s)} on two ` +
        `(speed-up: ${cpuSpeedup(row.id, results)}; ${number(row.cores_two, 2)} cores used)`
      );
    }
    case 'parked': {
      const row = results.parked.find((candidate) => candidate.id === figure.id);
      if (!row) throw missing();
      return `${row.unit} that ${row.how}: ${bytes(row.bytes_per_unit)} of resident memory each, ${number(row.units, 0)} at once`;
    }
    case 'http-keepalive':
    case 'http-each': {
      const scenario = results.http.scenarios.find(
        (candidate) => (candidate.workers === results.http.requests) === (figure.table === 'http-each'),
      );
      const row = scenario?.rows.find((candidate) => candidate.id === figure.id);
      if (!scenario || !row) throw missing();
      const connections =
        figure.table === 'http-each'
          ? 'each on its own connection, all at once'
          : `over ${scenario.workers} keep-alive connections`;
      return (
        `${row.label}, ${number(results.http.requests, 0)} HTTP requests to a loopback server ${connections}: ` +
        `${seconds(row.wall_s)} wall, ${seconds(row.cpu_s)} of CPU, ${number(row.rss_mb, 0)} MB peak memory`
      );
    }
  }
}

/** When, where and how busy: what every quoted figure depends on. */
export function measuredOn(results: Benchmarks = benchmarks): string {
  const { machine, versions } = results;
  return (
    `measured ${results.date.slice(0, 10)} on ${machine.cores} cores (${machine.cpu}), load average ` +
    `${machine.load_start[0]} at the start, ${machine.load_end[0]} at the end; Node ${versions.node}, Go ${versions.go.replace(/^go/, '')}, ` +
    `CPython ${versions.python}; docs/benchmarks.md says how`
  );
}

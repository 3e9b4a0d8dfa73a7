// The measured figures of docs/benchmarks.json (written by bench/claims.mjs),
// read when a comparison is generated so that no figure is typed into code
// or templates. Each lookup names a row by its id and throws if the row is
// gone, so that a template never quotes a figure that was not measured.

import fs from 'node:fs/promises';
import path from 'node:path';
import { packageRoot } from './project.js';

interface Measured {
  date: string;
  machine: { cores: number; cpu: string; load_start: number[] };
  versions: { node: string; go: string; python: string };
  handoff: Array<{ id: string; us_round_trip: number }>;
  start: Array<{ id: string; us: number }>;
  cpu: Array<{ id: string; speedup: number; cores_two: number }>;
  parked: Array<{ id: string; units_asked: number; bytes_per_unit: number }>;
  http: {
    requests: number;
    scenarios: Array<{ workers: number; rows: Array<{ id: string; wall_s: number; cpu_s: number; rss_mb: number }> }>;
  };
}

/** Lookups by row id, each a figure as prose quotes it (value and unit). */
export interface Figures {
  /** When, where and with what the figures were measured, in one sentence. */
  readonly run: string;
  /** A round trip between two units through the row's primitive. */
  handoff(id: string): string;
  /** Starting one unit that does nothing, and joining it. */
  start(id: string): string;
  /** Resident memory per parked unit, at the smallest count measured. */
  parked(id: string): string;
  /** Two CPU-bound jobs on two units against one: the speed-up and the cores the run got. */
  cpu(id: string): string;
  /** The HTTP client's CPU time and peak memory through keep-alive connections. */
  http(id: string): string;
}

export async function readFigures(): Promise<Figures> {
  const file = path.join(await packageRoot(), 'docs', 'benchmarks.json');
  return figuresOf(JSON.parse(await fs.readFile(file, 'utf8')) as Measured);
}

export function figuresOf(measured: Measured): Figures {
  const row = <R extends { id: string }>(table: string, rows: readonly R[], id: string): R => {
    const found = rows.find((candidate) => candidate.id === id);
    if (!found) throw new Error(`docs/benchmarks.json has no ${table} row ${JSON.stringify(id)}`);
    return found;
  };
  const smallestParked = Math.min(...measured.parked.map((parked) => parked.units_asked));
  const keepAlive = measured.http.scenarios.find((scenario) => scenario.workers < measured.http.requests);
  const { machine, versions } = measured;
  return {
    run:
      `measured ${measured.date.slice(0, 10)} on ${machine.cores} cores (${machine.cpu}, load average ` +
      `${machine.load_start[0]} at the start) with Node ${versions.node}, Go ${versions.go.replace(/^go/, '')} ` +
      `and CPython ${versions.python}`,
    handoff: (id) => duration(row('handoff', measured.handoff, id).us_round_trip),
    start: (id) => duration(row('start', measured.start, id).us),
    parked: (id) =>
      bytes(
        row(
          'parked',
          measured.parked.filter((parked) => parked.units_asked === smallestParked),
          id,
        ).bytes_per_unit,
      ),
    cpu: (id) => {
      const { speedup, cores_two } = row('cpu', measured.cpu, id);
      return `${fixed(speedup, 2)}× with ${fixed(cores_two, 2)} cores used`;
    },
    http: (id) => {
      if (!keepAlive) throw new Error('docs/benchmarks.json has no keep-alive HTTP scenario');
      const { cpu_s, rss_mb } = row('http', keepAlive.rows, id);
      const requests = measured.http.requests.toLocaleString('en-US');
      return `${fixed(cpu_s, 2)} s of CPU and ${fixed(rss_mb, 0)} MB for ${requests} requests over ${keepAlive.workers} connections`;
    },
  };
}

const fixed = (value: number, digits: number): string =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Two significant figures are all a loaded machine's timings can claim. */
function duration(micros: number): string {
  const [value, unit] = micros < 1000 ? [micros, 'µs'] : [micros / 1000, 'ms'];
  return `${fixed(value, value < 1 ? 2 : value < 10 ? 1 : 0)} ${unit}`;
}

function bytes(count: number): string {
  return count >= 10_240 ? `${fixed(count / 1024, 0)} KB` : `${fixed(count, 0)} B`;
}

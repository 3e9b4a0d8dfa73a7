// The measured figures a comparison's COMPARISON.md quotes, from
// docs/benchmarks.json (bundled at build time, as src/figures.ts does for
// --recommend), so that no figure is typed into code or templates. Each
// lookup names a row by its id and throws if the row is gone, so that a
// template never quotes a figure that was not measured.

import benchmarks from '../docs/benchmarks.json' with { type: 'json' };
import { bytes, cpuSpeedup, duration, number, type Benchmarks } from './figures.js';

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
  /** Two CPU-bound jobs on two units against one: the speed-up (when the run could show one) and the cores it got. */
  cpu(id: string): string;
  /** The HTTP client's CPU time and peak memory through keep-alive connections. */
  http(id: string): string;
}

/** The figures of `measured`: by default the ones this package was built with. */
export function figuresOf(measured: Benchmarks = benchmarks): Figures {
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
      `${machine.load_start[0]} at the start, ${machine.load_end[0]} at the end) with Node ${versions.node}, Go ${versions.go.replace(/^go/, '')} ` +
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
      const { cores_two } = row('cpu', measured.cpu, id);
      return `speed-up ${cpuSpeedup(id, measured)}, ${number(cores_two, 2)} cores used`;
    },
    http: (id) => {
      if (!keepAlive) throw new Error('docs/benchmarks.json has no keep-alive HTTP scenario');
      const { cpu_s, rss_mb } = row('http', keepAlive.rows, id);
      const requests = measured.http.requests.toLocaleString('en-US');
      return `${number(cpu_s, 2)} s of CPU and ${number(rss_mb, 0)} MB for ${requests} requests over ${keepAlive.workers} connections`;
    },
  };
}

// CPU accounting from Linux /proc, for the busy-wait and CPU-work checks.
// Elsewhere these functions report that they cannot measure, and the checks
// that need them are skipped.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export const canMeasureCpu = process.platform === 'linux' && fs.existsSync('/proc/self/stat');

const ticksPerSecond = canMeasureCpu ? readClockTicks() : 100;

function readClockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

interface ProcessStat {
  pid: number;
  processGroup: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  ticks: number;
}

function readStat(pid: string): ProcessStat | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // it exited between readdir and read
  }
  // The command name (field 2) may contain spaces and parentheses; the rest
  // starts after its last ')'. Fields from there: state ppid pgrp … with
  // utime, stime, cutime, cstime at offsets 11..14.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
  return { pid: Number(pid), processGroup: Number(fields[2]), ticks: utime + stime + cutime + cstime };
}

function groupStats(processGroup: number): ProcessStat[] {
  if (!canMeasureCpu) return [];
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(readStat)
    .filter((stat): stat is ProcessStat => stat !== undefined && stat.processGroup === processGroup);
}

/**
 * CPU milliseconds used so far by a process group: every live member's own
 * time plus the time of the children it has reaped (a child that exited and
 * was waited for moves its time into its parent's cutime/cstime, so nothing
 * is counted twice and little is lost).
 */
export function groupCpuMs(processGroup: number): number {
  const ticks = groupStats(processGroup).reduce((total, stat) => total + stat.ticks, 0);
  return (ticks * 1000) / ticksPerSecond;
}

/** Pids still in the process group (the program's leftovers once it exited). */
export function groupMembers(processGroup: number): number[] {
  return groupStats(processGroup).map((stat) => stat.pid);
}

export const cpuResolutionMs = 1000 / ticksPerSecond;

// CPU and memory accounting from Linux /proc, for the busy-wait, CPU-work
// and memory checks. Elsewhere `canMeasureCpu` is false and the checks that
// need it are skipped.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export const canMeasureCpu = process.platform === 'linux' && fs.existsSync('/proc/self/stat');

const ticksPerSecond = canMeasureCpu ? readConfiguration('CLK_TCK', 100) : 100;
const pageBytes = canMeasureCpu ? readConfiguration('PAGESIZE', 4096) : 4096;

function readConfiguration(name: string, fallback: number): number {
  try {
    return Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim()) || fallback;
  } catch {
    return fallback;
  }
}

/**
 * The fields of /proc/<pid>/stat after the command name, which may itself
 * contain spaces and parentheses: state, ppid, pgrp, …, with utime, stime,
 * cutime and cstime at offsets 11 to 14.
 */
function statFields(pid: string): string[] | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // it exited between readdir and read
  }
}

const STATE = 0;
const PROCESS_GROUP = 2;
const [UTIME, STIME, CUTIME, CSTIME] = [11, 12, 13, 14];
const RESIDENT_PAGES = 21;

function ticksToMs(ticks: number): number {
  return (ticks * 1000) / ticksPerSecond;
}

function groupMemberFields(processGroup: number): Map<number, string[]> {
  const members = new Map<number, string[]>();
  if (!canMeasureCpu) return members;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const fields = statFields(name);
    if (fields && Number(fields[PROCESS_GROUP]) === processGroup) members.set(Number(name), fields);
  }
  return members;
}

/**
 * CPU milliseconds used so far by a process group: every live member's own
 * time plus the time of the children it has reaped (a child that exited and
 * was waited for moves its time into its parent's cutime/cstime, so nothing
 * is counted twice).
 */
export function groupCpuMs(processGroup: number): number {
  let ticks = 0;
  for (const fields of groupMemberFields(processGroup).values()) {
    ticks += [UTIME, STIME, CUTIME, CSTIME].reduce((sum, field) => sum + Number(fields[field]), 0);
  }
  return ticksToMs(ticks);
}

/**
 * Resident memory of a process group, in bytes: the sum of every live
 * member's RSS (the process tree of a program that runs as its group's
 * leader). Pages shared between members, such as a forked child's copy of
 * its parent, count once per member, so this is an upper estimate.
 */
export function groupRssBytes(processGroup: number): number {
  let pages = 0;
  for (const fields of groupMemberFields(processGroup).values()) {
    if (fields[STATE] !== 'Z' && fields[STATE] !== 'X') pages += Number(fields[RESIDENT_PAGES]);
  }
  return pages * pageBytes;
}

/**
 * CPU milliseconds of this process's children that have exited and been
 * waited for. Its growth across a run counts a short-lived program in full,
 * which sampling cannot: its last moments fall between samples.
 */
export function reapedChildrenCpuMs(): number {
  const fields = canMeasureCpu ? statFields('self') : undefined;
  return fields ? ticksToMs(Number(fields[CUTIME]) + Number(fields[CSTIME])) : 0;
}

/**
 * Live pids in the process group (the program's leftovers once it exited).
 * Zombies are dead already: they only wait for their new parent (often a
 * container's init) to reap them.
 */
export function liveGroupMembers(processGroup: number): number[] {
  return [...groupMemberFields(processGroup)]
    .filter(([, fields]) => fields[STATE] !== 'Z' && fields[STATE] !== 'X')
    .map(([pid]) => pid);
}

// One pattern in several targets at once: `--target all` or a comma list
// such as `--target go,python-asyncio`. Each target gets the project a
// single-target run would write, in a folder named by the target's id, and
// the top folder gets what compares them (COMPARISON.md, compare.html) and
// one command that runs every folder's tests. Everything passes through the
// same settle() and is written in one all-or-nothing write.

import path from 'node:path';
import { findPattern, targets, type Pattern, type Target } from './catalogue.js';
import { UsageError } from './errors.js';
import { checkName } from './names.js';
import { renderProject, type ProjectFile } from './project.js';
import {
  defaults,
  resolveBroker,
  resolvePattern,
  resolveTarget,
  settle,
  type Draft,
  type ProjectChoice,
  type ProjectRequest,
} from './settle.js';
import { directoryProblem } from './write.js';
import { comparisonMarkdown } from './comparison-doc.js';
import { comparePage } from './compare-page.js';
import { runAllFiles } from './run-all.js';

/** The --target value that means every target that has the pattern. */
export const allTargets = 'all';

/** Several targets of one pattern, each settled as its own project in `<directory>/<target id>`. */
export interface ComparisonChoice {
  readonly pattern: Pattern;
  readonly name: string;
  /** Absolute; the folder that holds the projects and the files comparing them. */
  readonly directory: string;
  /** In the order asked for (catalogue order for `all`). */
  readonly projects: readonly ProjectChoice[];
}

export type Choice = ProjectChoice | ComparisonChoice;

export function isComparison(choice: Choice): choice is ComparisonChoice {
  return 'projects' in choice;
}

/** Whether a --target value names several targets rather than one. */
export function isTargetList(value: string): boolean {
  return value === allTargets || value.includes(',');
}

/**
 * The targets of a list, in the order given. Every item must be a known id
 * or alias, given once; `all` stands alone.
 */
export function resolveTargetList(value: string): Target[] {
  if (value === allTargets) return [...targets];
  const example = `e.g. --target ${targets[0]!.id},${targets[1]!.id}, or --target ${allTargets}`;
  const resolved: Target[] = [];
  for (const item of value.split(',')) {
    const id = item.trim();
    if (id === '') throw new UsageError(`--target ${JSON.stringify(value)} has an empty item`, example);
    if (id === allTargets) throw new UsageError(`--target ${allTargets} cannot be part of a list`, example);
    const target = resolveTarget(id);
    if (resolved.includes(target)) {
      const alias = id === target.id ? '' : ` (${id} is ${target.id})`;
      throw new UsageError(`target ${target.id} is listed twice${alias}`, 'list each target once');
    }
    resolved.push(target);
  }
  return resolved;
}

/** The name prompts suggest and --yes takes when none is given. */
export function defaultComparisonName(pattern: Pattern, targetValue: string): string {
  return `${pattern.id}-${targetValue === allTargets ? allTargets : 'compare'}`;
}

type Settled = { choice: Choice; draft?: undefined } | { choice?: undefined; draft: Draft };

/** settle() for one target or several: the one step every flag and answer goes through. */
export async function settleRequest(
  request: ProjectRequest,
  cwd: string,
  options: { yes?: boolean } = {},
): Promise<Settled> {
  if (request.target !== undefined && isTargetList(request.target)) {
    return settleComparison(request, request.target, cwd, options);
  }
  return settle(request, cwd, options);
}

async function settleComparison(
  request: ProjectRequest,
  targetValue: string,
  cwd: string,
  options: { yes?: boolean },
): Promise<Settled> {
  let pattern = request.pattern === undefined ? undefined : resolvePattern(request.pattern);
  let listed = resolveTargetList(targetValue);
  if (options.yes) pattern ??= findPattern(defaults.pattern)!;
  if (pattern) listed = targetsWith(pattern, listed, targetValue === allTargets);

  const givenDirectory = request.directory === undefined ? undefined : path.resolve(cwd, request.directory);
  let name = request.name ?? (givenDirectory === undefined ? undefined : path.basename(givenDirectory));
  if (name === undefined && options.yes) name = defaultComparisonName(pattern!, targetValue);
  const directory = givenDirectory ?? (name === undefined ? undefined : path.resolve(cwd, name));

  if (name !== undefined) {
    // Every folder is a project of this name, so it must suit every language listed.
    for (const language of new Set(listed.map((target) => target.language))) {
      const check = checkName(name, language);
      if (!check.ok) throw new UsageError(check.reason, check.hint);
    }
  }
  if (directory !== undefined) {
    const problem = await directoryProblem(directory, request.force);
    if (problem) throw problem;
  }
  if (!pattern || name === undefined || directory === undefined) {
    const broker = request.broker === undefined ? undefined : resolveBroker(request.broker);
    return { draft: { pattern, targets: listed, broker, name, directory, force: request.force } };
  }
  const projects: ProjectChoice[] = [];
  for (const target of listed) {
    const project = {
      ...request,
      pattern: pattern.id,
      target: target.id,
      name,
      directory: path.join(directory, target.id),
    };
    projects.push((await settle(project, cwd)).choice!);
  }
  return { choice: { pattern, name, directory, projects } };
}

/** `all` keeps the targets that have the pattern; a list must name only such targets. */
function targetsWith(pattern: Pattern, listed: readonly Target[], all: boolean): Target[] {
  const available = listed.filter((target) => target.patterns.includes(pattern.id));
  const missing = listed.filter((target) => !available.includes(target));
  if (!all && missing.length > 0) {
    const ids = targets.filter((t) => t.patterns.includes(pattern.id)).map((t) => t.id);
    throw new UsageError(
      `${pattern.id} is not available for ${missing.map((t) => t.id).join(', ')} yet`,
      `targets with ${pattern.id}: ${ids.join(', ') || 'none'}`,
    );
  }
  if (available.length === 0) {
    throw new UsageError(`${pattern.id} is not available for any target yet`, `see create-concur-pattern --list`);
  }
  return available;
}

/**
 * Every file of a comparison: each project exactly as a single-target run
 * renders it, under its target's folder, then the files at the top.
 */
export async function renderComparison(choice: ComparisonChoice): Promise<ProjectFile[]> {
  const folders = await Promise.all(
    choice.projects.map(async (project) => ({ project, files: await renderProject(project) })),
  );
  const projectFiles = folders.flatMap(({ project, files }) =>
    files.map((file) => ({ path: `${project.target.id}/${file.path}`, contents: file.contents })),
  );
  const top: ProjectFile[] = [
    { path: 'COMPARISON.md', contents: await comparisonMarkdown(choice, folders) },
    { path: 'compare.html', contents: comparePage(choice, folders) },
    ...runAllFiles(choice),
  ];
  return [...top, ...projectFiles];
}

// What the user asked for, and the one step that settles it: ids resolved
// against the catalogue, the name checked against the chosen target's rules,
// the directory checked for room. Flags, prompt answers and --yes defaults
// all pass through settle(); nothing after it checks them again.

import path from 'node:path';
import {
  brokers,
  findBroker,
  findPattern,
  findTarget,
  patterns,
  targets,
  type Broker,
  type Pattern,
  type Target,
} from './catalogue.js';
import { UsageError } from './errors.js';
import { checkName } from './names.js';
import { closest } from './suggest.js';
import { directoryProblem } from './write.js';

/** What the command line gave; anything missing is asked for on a terminal. */
export interface ProjectRequest {
  /** Pattern and target ids or aliases, as typed. */
  readonly pattern?: string;
  readonly target?: string;
  /** A broker id (SPEC §8); absent: one process, no broker. */
  readonly broker?: string;
  readonly name?: string;
  /** As typed, relative to the working directory; the name's folder when absent. */
  readonly directory?: string;
  readonly force: boolean;
}

/** A settled choice: every value checked, ready to render and write. */
export interface ProjectChoice {
  readonly pattern: Pattern;
  readonly target: Target;
  /** Absent: the pattern runs in one process. */
  readonly broker?: Broker;
  /** The project name. */
  readonly name: string;
  /** The name the code imports (Python: `my_app`); the project name elsewhere. */
  readonly packageName: string;
  /** Absolute. */
  readonly directory: string;
}

/** The part of a request that settle() has checked; what is missing is undefined. */
export interface Draft {
  readonly pattern?: Pattern;
  readonly target?: Target;
  /** Set instead of `target` when several targets were asked for (src/comparison.ts). */
  readonly targets?: readonly Target[];
  readonly broker?: Broker;
  readonly name?: string;
  readonly directory?: string;
  readonly force: boolean;
}

/** The values --yes uses for whatever was not given. */
export const defaults = { pattern: 'worker-pool', target: 'go' } as const;

/**
 * Checks everything the request holds, and returns the choice when nothing
 * is missing or what remains to ask for. Throws a UsageError for bad input.
 */
export async function settle(
  request: ProjectRequest,
  cwd: string,
  options: { yes?: boolean } = {},
): Promise<{ choice: ProjectChoice; draft?: undefined } | { choice?: undefined; draft: Draft }> {
  let pattern = request.pattern === undefined ? undefined : resolvePattern(request.pattern);
  let target = request.target === undefined ? undefined : resolveTarget(request.target);
  const broker = request.broker === undefined ? undefined : resolveBroker(request.broker);
  if (options.yes) {
    pattern ??= findPattern(defaults.pattern)!;
    target ??= findTarget(defaults.target)!;
  }
  if (pattern && target && !target.patterns.includes(pattern.id)) {
    const available = targets.filter((t) => t.patterns.includes(pattern.id)).map((t) => t.id);
    throw new UsageError(
      `${pattern.id} is not available for ${target.id} yet`,
      `targets with ${pattern.id}: ${available.join(', ') || 'none'}`,
    );
  }
  if (broker && pattern && !broker.patterns.includes(pattern.id)) {
    throw new UsageError(
      `--broker ${broker.id} does not apply to ${pattern.id}`,
      `patterns with a ${broker.title} form: ${broker.patterns.join(', ')}; leave out --broker for ${pattern.id}`,
    );
  }
  const givenDirectory = request.directory === undefined ? undefined : path.resolve(cwd, request.directory);
  let name = request.name ?? (givenDirectory === undefined ? undefined : path.basename(givenDirectory));
  if (name === undefined && options.yes) name = `${pattern!.id}-${target!.id}`;
  const directory = givenDirectory ?? (name === undefined ? undefined : path.resolve(cwd, name));

  let packageName: string | undefined;
  if (name !== undefined) {
    // Until the target is chosen, the name must at least suit one of the languages.
    const languages = target ? [target.language] : [...new Set(targets.map((t) => t.language))];
    const checks = languages.map((language) => checkName(name, language));
    const passed = checks.find((check) => check.ok);
    if (!passed) {
      const failure = checks[0]!;
      if (!failure.ok) throw new UsageError(failure.reason, failure.hint);
    }
    if (target && passed) packageName = passed.packageName;
  }
  if (directory !== undefined) {
    const problem = await directoryProblem(directory, request.force);
    if (problem) throw problem;
  }
  if (pattern && target && name !== undefined && packageName !== undefined && directory !== undefined) {
    return { choice: { pattern, target, broker, name, packageName, directory } };
  }
  return { draft: { pattern, target, broker, name, directory, force: request.force } };
}

/** The flags a draft still needs, to name them when nothing can be asked. */
export function missingFlags(draft: Draft): string[] {
  return [
    draft.pattern ? undefined : '--pattern',
    draft.target || draft.targets ? undefined : '--target',
    draft.name ? undefined : '--name (or a directory)',
  ].filter((flag) => flag !== undefined);
}

export function resolvePattern(id: string): Pattern {
  const pattern = findPattern(id);
  if (pattern) return pattern;
  const ids = patterns.map((p) => p.id);
  throw new UsageError(`unknown pattern ${JSON.stringify(id)}`, didYouMean(id, ids, 'patterns'));
}

export function resolveTarget(id: string): Target {
  const target = findTarget(id);
  if (target) return target;
  const ids = targets.map((t) => t.id);
  throw new UsageError(`unknown target ${JSON.stringify(id)}`, didYouMean(id, ids, 'targets'));
}

export function resolveBroker(id: string): Broker {
  const broker = findBroker(id);
  if (broker) return broker;
  const ids = brokers.map((b) => b.id);
  throw new UsageError(`unknown broker ${JSON.stringify(id)}`, didYouMean(id, ids, 'brokers'));
}

function didYouMean(input: string, ids: readonly string[], what: string): string {
  const suggestion = closest(input, ids);
  const valid = `valid ${what}: ${ids.join(', ')}`;
  return suggestion ? `did you mean ${JSON.stringify(suggestion)}? ${valid}` : valid;
}

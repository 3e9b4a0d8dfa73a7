// The conformance suite against one generated project named in the
// environment. scripts/conformance.mjs sets the variables and runs this
// file; `npm test` does not (it is not a *.test.ts file), since it has no
// project to judge: the end-to-end matrix judges every combination.
import { execa } from 'execa';
import { beforeAll, expect } from 'vitest';
import { type Command, findTarget } from '../../src/catalogue.js';
import { checkName } from '../../src/names.js';
import { strictEnv } from '../program-traits.js';
import { defineConformanceSuite } from './suite.js';

const environment = process.env;
const targetId = environment.CONFORMANCE_TARGET;
const pattern = environment.CONFORMANCE_PATTERN;
const cwd = environment.CONFORMANCE_CWD;
const name = environment.CONFORMANCE_NAME;
if (!targetId || !pattern || !cwd || !name) {
  throw new Error('run this through scripts/conformance.mjs, which names the project to judge');
}
const target = findTarget(targetId);
if (!target) throw new Error(`unknown target "${targetId}"`);
const nameCheck = checkName(name, target.language);
if (!nameCheck.ok) throw new Error(`project name "${name}": ${nameCheck.reason} (pass the one it was generated with)`);
const { packageName } = nameCheck;

const resolve = (command: Command): string[] => command.map((word) => word.replaceAll('{package}', packageName));

const { build } = target.commands;
if (build && environment.CONFORMANCE_BUILD !== '0') {
  beforeAll(async () => {
    const command = resolve(build);
    const result = await execa(command[0]!, command.slice(1), { cwd, all: true, reject: false });
    expect(result.exitCode, `${command.join(' ')} failed:\n${result.all ?? ''}`).toBe(0);
  }, 300_000);
}

defineConformanceSuite(
  {
    target: target.id,
    pattern,
    cwd,
    command: environment.CONFORMANCE_COMMAND
      ? (JSON.parse(environment.CONFORMANCE_COMMAND) as string[])
      : resolve(target.commands.program),
    env: {
      ...strictEnv[target.language],
      ...(environment.CONFORMANCE_ENV ? (JSON.parse(environment.CONFORMANCE_ENV) as Record<string, string>) : {}),
    },
  },
  {
    only: environment.CONFORMANCE_ONLY?.split(',').map((scenario) => scenario.trim()),
    verbose: environment.CONFORMANCE_VERBOSE === '1',
  },
);

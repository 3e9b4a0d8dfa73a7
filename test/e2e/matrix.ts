// The end-to-end matrix: for every combination of one target, generate the
// project with the installed bin, set it up as its README says, run the
// target's own judges and tests, then the conformance suite (written once,
// in test/conformance/) against the program it builds. Every combination is
// also generated under the name `--yes` gives and under the longest name
// the scaffolder accepts, and both must be clean under the target's judges.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { brokers, findTarget, patterns, type Broker, type Command, type Target } from '../../src/catalogue.js';
import { checkName, maxNameLength } from '../../src/names.js';
import { defineBrokerConformance } from '../conformance/broker.js';
import { defineConformanceSuite } from '../conformance/suite.js';
import { hasBrokerHarnessTests, installHarnessTests, withTestFiles } from './harness-tests.js';
import { clockToleranceMs, strictEnv } from '../program-traits.js';

/**
 * Every project gets this name, so that toolchain caches are shared between
 * them. It sorts after `tests`, which once caught imports ordered for names
 * that sort before it.
 */
const projectName = 'zz-e2e-app';
/**
 * The longest name the scaffolder accepts: every line that holds the name
 * (imports, module paths, test tuples) must still fit the formatters and
 * linters. It sorts before `tests`, where `projectName` sorts after.
 */
const longName = 'an-uncommonly-long-project-name-that-every-template-must-wrap-ok';
if (longName.length !== maxNameLength) throw new Error(`the long name must be ${maxNameLength} characters`);
const matrixRoot = path.join(os.tmpdir(), `ccp-matrix-${process.pid}`);
const toolTimeoutMs = 300_000;

/** A shared cache per toolchain, so fifteen Python projects type-check the stdlib once. */
const cacheEnv: Record<string, string> = {
  MYPY_CACHE_DIR: path.join(matrixRoot, '.mypy-cache'),
  RUFF_CACHE_DIR: path.join(matrixRoot, '.ruff-cache'),
};

function resolveCommand(command: Command, packageName: string): string[] {
  return command.map((word) => word.replaceAll('{package}', packageName));
}

async function run(command: readonly string[], cwd: string, env: Record<string, string> = {}) {
  const [file, ...args] = command;
  return execa(file!, args, { cwd, all: true, reject: false, env: { ...cacheEnv, ...env }, timeout: toolTimeoutMs });
}

function describeFailure(command: readonly string[], result: { exitCode?: number; all?: string }): string {
  return `${command.join(' ')} exited ${result.exitCode}\n${result.all ?? ''}`;
}

/**
 * The node_modules of the first project of a target, reused by the others
 * (same pinned dependencies); a broker's projects add its client, so they
 * share their own.
 */
const sharedInstalls = new Map<string, string>();
const installKey = (broker: Broker | undefined) => broker?.id ?? 'in-process';

/** Whether this project installs through the scaffolder's own --install, for the others to share. */
const installsFirst = (target: Target, broker: Broker | undefined) =>
  target.commands.install !== undefined && !sharedInstalls.has(installKey(broker));

async function shareInstall(target: Target, directory: string, broker?: Broker): Promise<void> {
  if (!target.commands.install) return;
  const shared = sharedInstalls.get(installKey(broker));
  if (shared === undefined) sharedInstalls.set(installKey(broker), path.join(directory, 'node_modules'));
  else await fs.symlink(shared, path.join(directory, 'node_modules'), 'dir');
}

async function setUp(target: Target, directory: string, packageName: string, broker?: Broker): Promise<void> {
  await shareInstall(target, directory, broker);
  const { build } = target.commands;
  if (build) {
    const command = resolveCommand(build, packageName);
    const result = await run(command, directory);
    expect(result.exitCode, describeFailure(command, result)).toBe(0);
  }
}

function packageNameOf(name: string, target: Target): string {
  const check = checkName(name, target.language);
  if (!check.ok) throw new Error(`${name}: ${check.reason}`);
  return check.packageName;
}

/** Registers one test per judge of the target (formatters, linters, type checkers) on a project. */
function defineJudges(target: Target, directory: string, packageName: string): void {
  for (const judge of target.commands.checks) {
    const command = resolveCommand(judge, packageName);
    it(
      `is clean under ${command.join(' ')}`,
      async () => {
        const result = await run(command, directory);
        expect(result.exitCode, describeFailure(command, result)).toBe(0);
        // gofmt -l and friends report by listing files, not by their exit code.
        if (command.includes('-l')) expect(result.all).toBe('');
      },
      toolTimeoutMs,
    );
  }
}

/**
 * The same combination under other names, judged only: what a name changes
 * is the text of the project (imports, module paths, line lengths), not
 * what it does, which the main project's tests and conformance cover.
 */
function defineNameVariant(target: Target, patternId: string, variant: 'default' | 'long', broker?: Broker): void {
  // What `--yes` gives without a name (src/cli.ts), or the longest name.
  const name = variant === 'default' ? `${patternId}-${target.id}` : longName;
  const packageName = packageNameOf(name, target);
  describe(variant === 'default' ? `under the default name ${name}` : `under a ${name.length}-character name`, () => {
    const parent = path.join(matrixRoot, `${target.id}-${patternId}${broker ? `-${broker.id}` : ''}`, variant);
    const directory = path.join(parent, name);

    beforeAll(async () => {
      await fs.mkdir(parent, { recursive: true });
      const brokerArgs = broker ? ['--broker', broker.id] : [];
      const args =
        variant === 'default'
          ? ['--yes', '--pattern', patternId, '--target', target.id, ...brokerArgs]
          : [name, '--pattern', patternId, '--target', target.id, ...brokerArgs];
      const generated = await execa(inject('cliBin'), args, { cwd: parent, all: true, reject: false });
      expect(generated.exitCode, describeFailure(['create-concur-pattern', ...args], generated)).toBe(0);
      await shareInstall(target, directory, broker);
    }, 600_000);

    defineJudges(target, directory, packageName);
  });
}

export function defineTargetMatrix(targetId: string): void {
  const target = findTarget(targetId);
  if (!target) throw new Error(`unknown target ${targetId}`);
  const packageName = packageNameOf(projectName, target);

  for (const pattern of patterns.filter((p) => target.patterns.includes(p.id))) {
    describe(`${pattern.id} on ${target.id}`, () => {
      const directory = path.join(matrixRoot, `${target.id}-${pattern.id}`, projectName);

      beforeAll(async () => {
        await fs.mkdir(path.dirname(directory), { recursive: true });
        const installNow = installsFirst(target, undefined);
        const args = [
          projectName,
          '--pattern',
          pattern.id,
          '--target',
          target.id,
          installNow ? '--install' : '--no-install',
        ];
        const generated = await execa(inject('cliBin'), args, {
          cwd: path.dirname(directory),
          all: true,
          reject: false,
        });
        expect(generated.exitCode, describeFailure(['create-concur-pattern', ...args], generated)).toBe(0);
        await setUp(target, directory, packageName);
      }, 600_000);

      defineJudges(target, directory, packageName);

      it(
        'passes its own tests',
        async () => {
          const command = resolveCommand(target.commands.test, packageName);
          const result = await run(command, directory);
          expect(result.exitCode, describeFailure(command, result)).toBe(0);
        },
        toolTimeoutMs,
      );

      defineConformanceSuite(
        {
          target: target.id,
          pattern: pattern.id,
          command: resolveCommand(target.commands.program, packageName),
          cwd: directory,
          env: strictEnv[target.language],
        },
        { clockToleranceMs: clockToleranceMs(target.id) },
      );

      // After the project's own tests and the conformance suite: the copied
      // tests would otherwise run with the project's own.
      it(
        'passes the harness tests kept in this repository (test/harness/)',
        async () => {
          const { copied, commands } = await installHarnessTests(target, directory, packageName);
          expect(copied, 'harness tests that apply to this project').not.toEqual([]);
          for (const command of commands) {
            const resolved = await withTestFiles(command, directory);
            const result = await run(resolved, directory);
            expect(result.exitCode, describeFailure(resolved, result)).toBe(0);
          }
        },
        toolTimeoutMs,
      );

      defineNameVariant(target, pattern.id, 'default');
      defineNameVariant(target, pattern.id, 'long');
    });
  }

  for (const broker of brokers) {
    for (const pattern of patterns.filter((p) => target.patterns.includes(p.id) && broker.patterns.includes(p.id))) {
      defineBrokerCombination(target, pattern.id, broker, packageName);
    }
  }
}

/**
 * A pattern's distributed form: judged under the long name too (the
 * default name's text differs from the main project's only by the name),
 * its own tests (which start their own redis-server), and the broker
 * scenarios of the conformance suite.
 */
function defineBrokerCombination(target: Target, patternId: string, broker: Broker, packageName: string): void {
  describe(`${patternId} on ${target.id} --broker ${broker.id}`, () => {
    const directory = path.join(matrixRoot, `${target.id}-${patternId}-${broker.id}`, projectName);

    beforeAll(async () => {
      await fs.mkdir(path.dirname(directory), { recursive: true });
      const install = installsFirst(target, broker) ? '--install' : '--no-install';
      const args = [projectName, '--pattern', patternId, '--target', target.id, '--broker', broker.id, install];
      const generated = await execa(inject('cliBin'), args, { cwd: path.dirname(directory), all: true, reject: false });
      expect(generated.exitCode, describeFailure(['create-concur-pattern', ...args], generated)).toBe(0);
      await setUp(target, directory, packageName, broker);
    }, 600_000);

    defineJudges(target, directory, packageName);

    it(
      'passes its own tests, against a real redis-server',
      async () => {
        const command = resolveCommand(target.commands.test, packageName);
        const result = await run(command, directory);
        expect(result.exitCode, describeFailure(command, result)).toBe(0);
      },
      toolTimeoutMs,
    );

    defineBrokerConformance({
      target: target.id,
      pattern: patternId,
      command: resolveCommand(target.commands.program, packageName),
      cwd: directory,
      env: strictEnv[target.language],
    });

    // A broker harness without tests here is tested through the program (its own tests, the conformance suite).
    if (hasBrokerHarnessTests(target, broker)) {
      it(
        'passes the broker harness tests kept in this repository (test/harness/<layer>/_broker-*)',
        async () => {
          const { copied, commands } = await installHarnessTests(target, directory, packageName, broker);
          expect(copied, 'broker harness tests that apply to this project').not.toEqual([]);
          for (const command of commands) {
            const resolved = await withTestFiles(command, directory);
            const result = await run(resolved, directory);
            expect(result.exitCode, describeFailure(resolved, result)).toBe(0);
          }
        },
        toolTimeoutMs,
      );
    }

    defineNameVariant(target, patternId, 'long', broker);
  });
}

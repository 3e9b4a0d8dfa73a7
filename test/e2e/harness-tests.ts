// The harness's own tests live in this repository (SPEC §4), one folder per
// template layer under test/harness/. For a generated project they are
// copied next to its harness and run there with the target's toolchain. A
// test file named after a harness module is copied only where the project
// has that module: a harness ships only what its pattern uses.

import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Broker, Command, LanguageId, Target } from '../../src/catalogue.js';

const harnessTestsRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'harness');

interface Layout {
  /** Where the harness's modules are, `{package}` being the import name. */
  readonly harness: string;
  /** Where its tests go. */
  readonly into: string;
  /** The module a test file tests, from the test file's name. */
  readonly moduleOf: (testFile: string) => string | undefined;
  /**
   * What runs them, in order, in the project's folder. A word ending in `/`
   * stands for the `.test.js` files in that folder once the commands before
   * it have run (Node 20's `--test` takes no glob).
   */
  readonly commands: readonly Command[];
}

const layouts: Record<LanguageId, Layout> = {
  go: {
    harness: 'internal/harness',
    into: 'internal/harness',
    moduleOf: (file) => /^(.+)_test\.go$/.exec(file)?.[1]?.concat('.go'),
    commands: [['go', 'test', '-race', '-count=1', '-timeout', '2m', './internal/harness/']],
  },
  python: {
    harness: '{package}/harness',
    into: 'tests/harness',
    moduleOf: (file) => /^test_(.+)\.py$/.exec(file)?.[1]?.concat('.py'),
    commands: [['python3', '-X', 'dev', '-W', 'error', '-m', 'pytest', '-p', 'no:cacheprovider', 'tests/harness']],
  },
  typescript: {
    harness: 'src/harness',
    into: 'src/harness',
    moduleOf: (file) => /^(.+)\.test\.ts$/.exec(file)?.[1]?.concat('.ts'),
    commands: [
      ['npx', 'tsc'],
      ['node', '--unhandled-rejections=strict', '--test', '--test-timeout=60000', 'dist/harness/'],
    ],
  },
};

/** `python/_shared` → test/harness/python; `go/_shared` → test/harness/go. */
const testFolderOf = (layer: string) => path.join(harnessTestsRoot, layer.split('/')[0]!);

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** Whether this repository keeps harness tests for a broker's projects of `target`. */
export function hasBrokerHarnessTests(target: Target, broker: Broker): boolean {
  return target.layers.some((layer) => existsSync(path.join(testFolderOf(layer), `_broker-${broker.id}`)));
}

/**
 * Copies the harness tests that apply to the project into it; gives their
 * file names and the commands that run them. A broker's projects have a
 * harness of their own, tested by the `_broker-<id>` folder beside the
 * in-process tests (as its templates sit beside the in-process ones).
 */
export async function installHarnessTests(
  target: Target,
  directory: string,
  packageName: string,
  broker?: Broker,
): Promise<{ copied: string[]; commands: readonly Command[] }> {
  const layout = layouts[target.language];
  const harness = path.join(directory, layout.harness.replaceAll('{package}', packageName));
  const into = path.join(directory, layout.into);
  const copied: string[] = [];
  for (const layer of target.layers) {
    const folder = broker ? path.join(testFolderOf(layer), `_broker-${broker.id}`) : testFolderOf(layer);
    if (!(await exists(folder))) continue;
    for (const file of (await fs.readdir(folder, { withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => e.name)) {
      const module = layout.moduleOf(file);
      if (module !== undefined && !(await exists(path.join(harness, module)))) continue;
      const text = await fs.readFile(path.join(folder, file), 'utf8');
      await fs.mkdir(into, { recursive: true });
      await fs.writeFile(path.join(into, file), text.replaceAll('__package__', packageName));
      if (module !== undefined) copied.push(file);
    }
  }
  return { copied, commands: layout.commands };
}

/** A command's folder words (ending in `/`) replaced by the test files in them. */
export async function withTestFiles(command: Command, directory: string): Promise<string[]> {
  const words: string[] = [];
  for (const word of command) {
    if (!word.endsWith('/')) {
      words.push(word);
      continue;
    }
    const files = await fs.readdir(path.join(directory, word));
    words.push(
      ...files
        .filter((file) => file.endsWith('.test.js'))
        .sort()
        .map((file) => word + file),
    );
  }
  return words;
}

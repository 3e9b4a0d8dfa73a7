// Renders one pattern × target combination into a list of files, in memory.
// The layering and renaming rules are described in templates/README.md.

import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ejs from 'ejs';
import * as prettier from 'prettier';
import { targets, type Command, type Pattern, type Target } from './catalogue.js';

export interface ProjectChoice {
  readonly pattern: Pattern;
  readonly target: Target;
  /** The validated project name. */
  readonly name: string;
  /** The name the code imports (Python: `my_app`); the project name elsewhere. */
  readonly packageName: string;
}

export interface ProjectFile {
  /** Relative to the project root, with forward slashes. */
  readonly path: string;
  readonly contents: string;
}

/** The folder that holds package.json, found from this module's own location. */
export async function packageRoot(): Promise<string> {
  let directory = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const manifest = JSON.parse(await fs.readFile(path.join(directory, 'package.json'), 'utf8')) as {
        name?: string;
      };
      if (manifest.name === 'create-concur-pattern') return directory;
    } catch {
      // Not here: keep walking up.
    }
    const parent = path.dirname(directory);
    if (parent === directory) throw new Error('cannot find the create-concur-pattern package root');
    directory = parent;
  }
}

export const templatesRoot = async (): Promise<string> => path.join(await packageRoot(), 'templates');

/** A catalogue command as a user would type it, for README and next steps. */
export function formatCommand(command: Command, packageName: string): string {
  return command
    .map((word) => word.replaceAll('{package}', packageName))
    .map((word) => (/^[\w./=@:-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`))
    .join(' ');
}

async function listFiles(root: string, relative = ''): Promise<string[]> {
  const entries = await fs.readdir(path.join(root, relative), { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      return entry.isDirectory() ? listFiles(root, child) : Promise.resolve([child]);
    }),
  );
  return nested.flat().sort();
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

function outputPath(templatePath: string, packageName: string): string {
  return templatePath
    .replace(/\.ejs$/, '')
    .split('/')
    .map((segment) => (segment === '__package__' ? packageName : segment === '_gitignore' ? '.gitignore' : segment))
    .join('/');
}

const formattable: Record<string, prettier.Options['parser']> = {
  '.md': 'markdown',
  '.json': 'json',
};

export async function renderProject(choice: ProjectChoice): Promise<ProjectFile[]> {
  const root = await templatesRoot();
  const values = {
    name: choice.name,
    packageName: choice.packageName,
    pattern: choice.pattern,
    target: choice.target,
  };
  const layers = [...choice.target.layers, `${choice.target.id}/${choice.pattern.id}`];
  const files = new Map<string, string>();
  const readmeSections = new Map<string, string>();
  for (const layer of layers) {
    const layerDir = path.join(root, layer);
    if (!(await exists(layerDir))) throw new Error(`missing template folder templates/${layer}`);
    for (const templatePath of await listFiles(layerDir)) {
      const source = await fs.readFile(path.join(layerDir, templatePath), 'utf8');
      const contents = templatePath.endsWith('.ejs')
        ? ejs.render(source, values, { filename: path.join(layerDir, templatePath) })
        : source;
      const target = outputPath(templatePath, choice.packageName);
      if (target === '_readme.md') readmeSections.set(layer, contents);
      else files.set(target, contents);
    }
  }
  const patternLayer = layers.at(-1)!;
  files.set(
    'README.md',
    await renderReadme(root, choice, {
      patternNotes: readmeSections.get(patternLayer) ?? '',
      targetNotes: layers
        .slice(0, -1)
        .toReversed()
        .map((layer) => readmeSections.get(layer))
        .filter((section) => section !== undefined),
    }),
  );
  return formatFiles(files);
}

async function renderReadme(
  root: string,
  choice: ProjectChoice,
  sections: { patternNotes: string; targetNotes: string[] },
): Promise<string> {
  const { target, pattern, packageName } = choice;
  const template = path.join(root, 'README.md.ejs');
  return ejs.render(await fs.readFile(template, 'utf8'), {
    name: choice.name,
    packageName,
    pattern,
    target,
    intro: await fs.readFile(path.join(root, '_patterns', `${pattern.id}.md`), 'utf8'),
    choosing: await fs.readFile(path.join(root, '_choosing.md'), 'utf8'),
    ...sections,
    commandBlock: commandBlock(target, packageName),
    others: targets
      .filter((other) => other.patterns.includes(pattern.id))
      .map((other) => ({ target: other, idiom: other.idioms[pattern.id] ?? '', current: other.id === target.id })),
  });
}

/** The README's commands, one per line, their comments aligned. */
function commandBlock(target: Target, packageName: string): string {
  const { install, run, test, checks, bench } = target.commands;
  const lines: Array<[Command | undefined, string]> = [
    [install, 'install the dev tools'],
    [[...run, '--help'], 'every flag and its default'],
    [[...run, '--json'], 'one JSON event per line'],
    [test, 'the tests that prove the pattern'],
    ...checks.map((check): [Command, string] => [check, 'must pass clean']),
    [bench, 'benchmark figures'],
  ];
  const shown = lines
    .filter((line): line is [Command, string] => line[0] !== undefined)
    .map(([command, comment]) => [formatCommand(command, packageName), comment] as const);
  const width = Math.max(...shown.map(([command]) => command.length)) + 2;
  return shown.map(([command, comment]) => `${command.padEnd(width)}# ${comment}`).join('\n');
}

async function formatFiles(files: Map<string, string>): Promise<ProjectFile[]> {
  const configFile = files.get('.prettierrc.json') ?? files.get('.prettierrc');
  const config = configFile ? (JSON.parse(configFile) as prettier.Options) : {};
  const formatted = await Promise.all(
    [...files].map(async ([filePath, contents]) => {
      const parser = formattable[path.posix.extname(filePath)];
      return {
        path: filePath,
        contents: parser ? await prettier.format(contents, { ...config, parser }) : contents,
      };
    }),
  );
  return formatted.sort((a, b) => a.path.localeCompare(b.path));
}

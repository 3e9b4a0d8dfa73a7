// Renders one pattern × target combination into a list of files, in memory.
// The layering and renaming rules are described in templates/README.md.
// Nothing is formatted at generation time: templates are written formatted,
// and the README's tables, whose widths depend on the values, are aligned
// here the way prettier aligns them (test/unit/project.test.ts holds every
// generated project to prettier --check).

import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ejs from 'ejs';
import {
  brokerLayer,
  componentModule,
  minimumVersions,
  pipRequirement,
  projectLayout,
  targets,
  type Broker,
  type Command,
  type Pattern,
  type Target,
} from './catalogue.js';
import type { ProjectChoice } from './settle.js';

/** What rendering needs of a settled choice. */
export type RenderChoice = Pick<ProjectChoice, 'pattern' | 'target' | 'broker' | 'name' | 'packageName'>;

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

/**
 * What a toolchain run inside templates/ leaves behind; never part of a
 * project (templates/.npmignore keeps them out of the package too).
 */
const toolCaches = new Set(['__pycache__', '.ruff_cache', '.mypy_cache', '.pytest_cache', 'node_modules', 'dist']);

/** A broker's folder inside a layer is a layer of its own, applied only with that broker. */
const isBrokerFolder = (name: string): boolean => name.startsWith('_broker-');

async function listFiles(root: string, relative = ''): Promise<string[]> {
  const entries = await fs.readdir(path.join(root, relative), { withFileTypes: true });
  const nested = await Promise.all(
    entries
      .filter((entry) => !toolCaches.has(entry.name) && !(entry.isDirectory() && isBrokerFolder(entry.name)))
      .map((entry) => {
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

/** Path segments that templates name by role; see templates/README.md. */
function outputPath(templatePath: string, renamed: Readonly<Record<string, string>>): string {
  return templatePath
    .replace(/\.ejs$/, '')
    .split('/')
    .map((segment) => renamed[segment] ?? segment)
    .join('/');
}

export async function renderProject(choice: RenderChoice): Promise<ProjectFile[]> {
  const root = await templatesRoot();
  const { pattern, target, packageName } = choice;
  const component = {
    module: componentModule(pattern.id, target.language),
    file: projectLayout(pattern.id, target.language, packageName).component,
  };
  const { broker } = choice;
  const values = { name: choice.name, packageName, pattern, target, broker, component, pipRequirement };
  const renamed = { __package__: packageName, __component__: component.module, _gitignore: '.gitignore' };
  const patternLayer = `${target.id}/${pattern.id}`;
  const baseLayers = [...target.layers, patternLayer];
  // A broker changes some layers: its folder in each is applied after all of them.
  const brokerLayers = broker ? baseLayers.map((layer) => brokerLayer(layer, broker)) : [];
  const readmeLayer = broker ? brokerLayer(patternLayer, broker) : patternLayer;
  const layers = [...baseLayers, ...brokerLayers];
  const files = new Map<string, string>();
  const readmeSections = new Map<string, string>();
  for (const layer of layers) {
    const layerDir = path.join(root, layer);
    if (!(await exists(layerDir))) {
      if (brokerLayers.includes(layer) && layer !== readmeLayer) continue; // the broker leaves this layer alone
      throw new Error(`missing template folder templates/${layer}`);
    }
    for (const templatePath of await listFiles(layerDir)) {
      const source = await fs.readFile(path.join(layerDir, templatePath), 'utf8');
      const contents = templatePath.endsWith('.ejs')
        ? ejs.render(source, values, { filename: path.join(layerDir, templatePath) })
        : source;
      const output = outputPath(templatePath, renamed);
      // The idiom line is read for every target's README, not copied.
      if (output === '_idiom.md') continue;
      if (output === '_readme.md' && layer !== readmeLayer && layer !== patternLayer) {
        throw new Error(`templates/${layer}/${templatePath}: only a pattern folder has README sections`);
      }
      if (output === '_readme.md') readmeSections.set(layer, contents);
      else files.set(output, contents);
    }
  }
  files.set('README.md', await renderReadme(root, choice, readmeSections.get(readmeLayer) ?? ''));
  return [...files]
    .map(([filePath, contents]) => ({ path: filePath, contents }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

async function renderReadme(root: string, choice: RenderChoice, patternNotes: string): Promise<string> {
  const { target, pattern, packageName } = choice;
  const template = path.join(root, 'README.md.ejs');
  // Sections are joined by the template's blank lines, so their own trailing newlines go.
  const section = async (file: string) => (await fs.readFile(path.join(root, file), 'utf8')).trimEnd();
  const readme = ejs.render(await fs.readFile(template, 'utf8'), {
    name: choice.name,
    pattern,
    target,
    broker: choice.broker,
    layout: projectLayout(pattern.id, target.language, packageName),
    minimum: minimumVersions[target.language],
    intro: await section(path.join('_patterns', `${pattern.id}.md`)),
    patternNotes: patternNotes.trimEnd(),
    brokerNotes: choice.broker ? await brokerNotes(root, choice, choice.broker) : '',
    commandBlock: commandBlock(target, pattern, packageName, choice.broker),
    others: await Promise.all(
      targets
        .filter((other) => other.patterns.includes(pattern.id))
        .map(async (other) => ({
          target: other,
          idiom: await section(path.join(other.id, pattern.id, '_idiom.md')),
          current: other.id === target.id,
        })),
    ),
    docs: await furtherReading(target),
  });
  return `${alignTables(readme).trimEnd()}\n`;
}

/** What every project of a broker explains the same way: running it, its guarantees, its alternatives. */
async function brokerNotes(root: string, choice: RenderChoice, broker: Broker): Promise<string> {
  const template = path.join(root, '_brokers', `${broker.id}.md.ejs`);
  const run = formatCommand(choice.target.commands.run, choice.packageName);
  return ejs.render(await fs.readFile(template, 'utf8'), { run }, { filename: template }).trimEnd();
}

/**
 * The shared essays a README links to instead of repeating them: files of
 * this package, at the version that generated the project.
 */
async function furtherReading(target: Target): Promise<Array<{ title: string; url: string }>> {
  const url = await packageFileUrl();
  return [
    {
      title: `${target.title}: the runtime, the tooling and this project's choices`,
      url: url(`docs/targets/${target.id}.md`),
    },
    ...(target.language === 'python'
      ? [{ title: 'What the three Python targets share', url: url('docs/targets/python.md') }]
      : []),
    { title: 'Choosing a target: the decision tree and the measured trade-offs', url: url('docs/choosing.md') },
    { title: 'Every figure quoted here, how it was measured and how to rerun it', url: url('docs/benchmarks.md') },
  ];
}

/** Where a file of this package, at the version that generated the project, can be read online. */
export async function packageFileUrl(): Promise<(file: string) => string> {
  const manifest = JSON.parse(await fs.readFile(path.join(await packageRoot(), 'package.json'), 'utf8')) as {
    version: string;
  };
  return (file) => `https://unpkg.com/create-concur-pattern@${manifest.version}/${file}`;
}

/** The README's commands, one per line, their comments aligned. */
function commandBlock(target: Target, pattern: Pattern, packageName: string, broker?: Broker): string {
  const { install, devTools, run, test, checks, bench } = target.commands;
  // --jobs 0 means "until signalled": say so, or the command looks stuck.
  const endless = pattern.program.defaultJobs === 0 ? ', until Ctrl-C' : '';
  const server = broker ? `, with a ${broker.id} server running (below)` : '';
  const lines: Array<[Command | undefined, string]> = [
    [install, broker ? `install the ${broker.id} client and the dev tools` : 'install the dev tools'],
    ...withBrokerClient(devTools, target, broker),
    [[...run, '--help'], 'every flag and its default'],
    [[...run, '--json'], `one JSON event per line${endless}${server}`],
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

/**
 * Python has no install step, so its broker client joins the pinned dev
 * tools' pip line (go.mod and package.json carry it for the others).
 */
function withBrokerClient(devTools: Command | undefined, target: Target, broker?: Broker): Array<[Command, string]> {
  if (!devTools) return [];
  if (!broker || target.language !== 'python') return [[devTools, 'install the dev tools (pinned)']];
  const client = broker.clients.python;
  return [[[...devTools, pipRequirement(client)], `install the ${broker.id} client and the dev tools (pinned)`]];
}

/**
 * Pads every cell of each Markdown table to its column's width, as prettier
 * does; code blocks are left alone.
 */
export function alignTables(markdown: string): string {
  const lines = markdown.split('\n');
  let inFence = false;
  for (let start = 0; start < lines.length; start++) {
    if (/^\s*(```|~~~)/.test(lines[start]!)) inFence = !inFence;
    if (inFence || !isTableRow(lines[start]!) || !/^\|(\s*:?-+:?\s*\|)+$/.test(lines[start + 1] ?? '')) continue;
    let end = start + 2;
    while (end < lines.length && isTableRow(lines[end]!)) end++;
    const rows = lines.slice(start, end).map(splitRow);
    const alignments = rows[1]!.map((cell) =>
      cell.startsWith(':') ? (cell.endsWith(':') ? 'center' : 'left') : cell.endsWith(':') ? 'right' : 'none',
    );
    const widths = alignments.map((_, column) =>
      Math.max(3, ...rows.filter((_, index) => index !== 1).map((row) => width(row[column] ?? ''))),
    );
    const aligned = rows.map((row, index) =>
      index === 1
        ? delimiterRow(alignments, widths)
        : `| ${widths.map((columnWidth, column) => pad(row[column] ?? '', columnWidth, alignments[column]!)).join(' | ')} |`,
    );
    lines.splice(start, aligned.length, ...aligned);
    start = end - 1;
  }
  return lines.join('\n');
}

type Alignment = 'none' | 'left' | 'center' | 'right';

const isTableRow = (line: string): boolean => line.startsWith('|') && line.trimEnd().endsWith('|');

/** The cells of a row; an escaped `\|` stays inside its cell. */
function splitRow(line: string): string[] {
  return line
    .trim()
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

const width = (text: string): number => [...text].length;

function pad(text: string, columnWidth: number, alignment: Alignment): string {
  const room = columnWidth - width(text);
  if (alignment === 'right') return ' '.repeat(room) + text;
  if (alignment === 'center') return ' '.repeat(Math.floor(room / 2)) + text + ' '.repeat(Math.ceil(room / 2));
  return text + ' '.repeat(room);
}

function delimiterRow(alignments: readonly Alignment[], widths: readonly number[]): string {
  const cells = alignments.map((alignment, column) => {
    const dashes = widths[column]!;
    if (alignment === 'left') return `:${'-'.repeat(dashes - 1)}`;
    if (alignment === 'right') return `${'-'.repeat(dashes - 1)}:`;
    if (alignment === 'center') return `:${'-'.repeat(dashes - 2)}:`;
    return '-'.repeat(dashes);
  });
  return `| ${cells.join(' | ')} |`;
}

// Every generated project against the glossary of templates/README.md and the
// layout goals of SPEC §4: the component under its glossary name, the
// harness thin and kept to itself, the README's first screen about the
// pattern. Projects are rendered in memory; nothing here runs a toolchain.
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  componentModule,
  projectForms,
  type Broker,
  type LanguageId,
  type Pattern,
  type Target,
} from '../../src/catalogue.js';
import { checkName } from '../../src/names.js';
import { formatCommand, renderProject, templatesRoot, type ProjectFile } from '../../src/project.js';

const languageColumns: Record<LanguageId, string> = { go: 'Go', python: 'Python', typescript: 'TypeScript' };

/** The glossary table: concept → language → the cell's names, without backticks. */
async function readGlossary(): Promise<Map<string, Record<LanguageId, string[]>>> {
  const text = await fs.readFile(path.join(await templatesRoot(), 'README.md'), 'utf8');
  const section = text.split('## Glossary')[1]?.split('\n## ')[0];
  if (!section) throw new Error('templates/README.md has no "## Glossary" section');
  const rows = section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
  const [header, , ...body] = rows;
  const column = (language: LanguageId) => header!.indexOf(languageColumns[language]);
  const glossary = new Map<string, Record<LanguageId, string[]>>();
  for (const row of body) {
    const names = (language: LanguageId) =>
      [...row[column(language)]!.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);
    glossary.set(row[0]!, { go: names('go'), python: names('python'), typescript: names('typescript') });
  }
  return glossary;
}

const glossary = await readGlossary();

function term(concept: string, language: LanguageId): string[] {
  const names = glossary.get(concept)?.[language];
  if (!names?.length) throw new Error(`the glossary has no "${concept}" for ${language}`);
  return names;
}

interface Project {
  pattern: Pattern;
  target: Target;
  broker?: Broker;
  packageName: string;
  files: Map<string, string>;
}

const fill = (template: string, project: Project) =>
  template
    .replaceAll('{module}', componentModule(project.pattern.id, project.target.language))
    .replaceAll('{package}', project.packageName);

const fileOf = (concept: string, project: Project) => fill(term(concept, project.target.language)[0]!, project);

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The parameter list of a function's definition, from its opening parenthesis to the matching one. */
function parametersOf(source: string, functionName: string, language: LanguageId): string | undefined {
  const definition = {
    go: `func ${escape(functionName)}(\\[[^\\]]*\\])?\\(`,
    python: `(async )?def ${escape(functionName)}(\\[[^\\]]*\\])?\\(`,
    typescript: `export (async )?function\\*? ?${escape(functionName)}(<[^(]*>)?\\(`,
  }[language];
  const match = new RegExp(definition, 'm').exec(source);
  if (!match) return undefined;
  const [opening, closing] = brackets(language);
  let depth = 1;
  const start = match.index + match[0].length;
  for (let index = start; index < source.length; index++) {
    const char = source[index]!;
    if (opening.includes(char)) depth++;
    else if (closing.includes(char) && source[index - 1] !== '=') depth--;
    if (depth === 0) return source.slice(start, index);
  }
  return undefined;
}

/** Brackets that nest in a parameter list; only TypeScript's generics use angle brackets. */
const brackets = (language: LanguageId): [string, string] =>
  language === 'typescript' ? ['([{<', ')]}>'] : ['([{', ')]}'];

/** The names of a parameter list's parameters, in order (Go: `ctx context.Context` → `ctx`). */
function parameterNames(parameters: string, language: LanguageId): string[] {
  const [opening, closing] = brackets(language);
  const names: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of parameters) {
    if (opening.includes(char)) depth++;
    if (closing.includes(char) && !current.endsWith('=')) depth--;
    if (char === ',' && depth === 0) {
      names.push(current);
      current = '';
    } else current += char;
  }
  names.push(current);
  return names
    .map((parameter) => parameter.trim())
    .filter((parameter) => parameter !== '' && parameter !== '*' && parameter !== '/')
    .map((parameter) => /^\*{0,2}([A-Za-z_]\w*)/.exec(parameter)?.[1] ?? parameter);
}

/** What the glossary asks of one project, as a list of broken rules (empty when it follows them all). */
function glossaryProblems(project: Project): string[] {
  const { language } = project.target;
  const problems: string[] = [];
  const need = (condition: boolean, problem: string) => condition || problems.push(problem);
  for (const concept of ['component file', 'outcome file', 'program', 'component tests', 'program test']) {
    const file = fileOf(concept, project);
    need(project.files.has(file), `${concept}: no ${file}`);
  }
  const harness = fileOf('harness folder', project);
  need(
    [...project.files.keys()].some((file) => file.startsWith(`${harness}/`)),
    `harness folder: nothing in ${harness}/`,
  );

  const component = project.files.get(fileOf('component file', project)) ?? '';
  const entry = term('entry function', language)[0]!;
  const parameters = parametersOf(component, entry, language);
  need(parameters !== undefined, `entry function: ${fileOf('component file', project)} defines no ${entry}`);
  if (project.pattern.id === 'timeout') {
    const call = term('one timed call', language)[0]!;
    need(parametersOf(component, call, language) !== undefined, `one timed call: no ${call}`);
  }
  if (parameters !== undefined) {
    const names = parameterNames(parameters, language);
    const order = term('argument order', language)[0]!.split(', ');
    // Positional parameters up to the options, in the glossary's order.
    const positional = order.slice(0, order.indexOf('options'));
    need(
      positional.every((name, index) => names[index] === name),
      `argument order: ${entry}(${names.join(', ')}) does not start with ${positional.join(', ')}`,
    );
    const options = language === 'typescript' ? component : parameters;
    const option = (concept: string) => {
      const name = term(concept, language)[0]!;
      need(new RegExp(`\\b${escape(name)}\\b`).test(options), `${concept}: ${entry} takes no ${name}`);
    };
    if (project.pattern.id !== 'fan-out') option('concurrency option');
    if (project.pattern.id === 'producer-consumer') option('buffer option');
    if (project.pattern.id === 'timeout') option('deadline option');
    if (project.pattern.id === 'graceful-stop') option('drain option');
    if (project.pattern.id === 'graceful-stop' || language === 'go') option('stop handle');
    option('job source');
    option('job handler');
  }

  const outcomeSource = project.files.get(fileOf('outcome file', project)) ?? '';
  const outcome = term('outcome type', language)[0]!;
  const definesType = {
    go: `^type ${outcome}\\[`,
    python: `^class ${outcome}\\b`,
    typescript: `^export (type|interface|class) ${outcome}\\b`,
  }[language];
  need(new RegExp(definesType, 'm').test(outcomeSource), `outcome type: the outcome file defines no ${outcome}`);
  for (const field of term('outcome fields', language)) {
    need(new RegExp(`\\b${escape(field)}\\b`).test(outcomeSource), `outcome fields: no ${field} in the outcome file`);
  }
  return problems;
}

const isSource = (file: string) => /\.(go|py|ts)$/.test(file);
const isTest = (file: string) =>
  /(_test\.go|\.test\.ts)$/.test(file) || /(^|\/)(tests\/|test_[^/]*\.py$|conftest\.py$)/.test(file);
const isBenchmark = (file: string) => /(^|\/)bench[^/]*$/.test(file);

/**
 * A TypeScript module that only tests import (Go and Python keep theirs in
 * `_test.go` files and `tests/`): it is test code whatever its name.
 */
function isTestHelper(file: string, project: Project): boolean {
  if (project.target.language !== 'typescript') return false;
  const specifier = new RegExp(`from '\\./${escape(path.posix.basename(file, '.ts'))}\\.js'`);
  const importers = [...project.files].filter(([other, source]) => other !== file && specifier.test(source));
  return importers.length > 0 && importers.every(([other]) => isTest(other));
}
const lineCount = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

function harnessImports(source: string, project: Project): boolean {
  switch (project.target.language) {
    case 'go':
      return source.includes('/internal/harness"');
    case 'python':
      return new RegExp(
        `^\\s*(from (\\.+|${project.packageName}\\.)harness\\b|from \\.+ import harness\\b|import ${project.packageName}\\.harness\\b)`,
        'm',
      ).test(source);
    case 'typescript':
      return /from '[^']*\/harness\//.test(source);
  }
}

const projects: Project[] = await Promise.all(
  projectForms().map(async ({ pattern, target, broker }) => {
    const name = 'my-app';
    const check = checkName(name, target.language);
    if (!check.ok) throw new Error(check.reason);
    const files: ProjectFile[] = await renderProject({
      pattern,
      target,
      broker,
      name,
      packageName: check.packageName,
    });
    return {
      pattern,
      target,
      broker,
      packageName: check.packageName,
      files: new Map(files.map((file) => [file.path, file.contents])),
    };
  }),
);

const labelOf = (project: Project) =>
  `${project.pattern.id} on ${project.target.id}${project.broker ? ` --broker ${project.broker.id}` : ''}`;

/**
 * A broker's README adds what every broker project explains the same way
 * (templates/_brokers/): running on several machines, at-least-once, dead
 * letters, the engines that fit better.
 */
const readmeLimit = (project: Project) => (project.broker ? 260 : 150);

describe.each(projects.map((project) => ({ project, label: labelOf(project) })))('$label', ({ project }) => {
  it('follows the glossary', () => {
    expect(glossaryProblems(project)).toEqual([]);
  });

  it('keeps the harness thin: at most 1.5 times the lines of the rest of its source', () => {
    const harness = `${fileOf('harness folder', project)}/`;
    let harnessLines = 0;
    let otherLines = 0;
    for (const [file, source] of project.files) {
      if (!isSource(file) || isTest(file) || isBenchmark(file) || isTestHelper(file, project)) continue;
      if (file.startsWith(harness)) harnessLines += lineCount(source);
      else otherLines += lineCount(source);
    }
    expect(harnessLines, `${harnessLines} harness lines against ${otherLines} others`).toBeLessThanOrEqual(
      1.5 * otherLines,
    );
  });

  it('lets only the program and the benchmarks import the harness', () => {
    const harness = `${fileOf('harness folder', project)}/`;
    const program = fileOf('program', project);
    // A broker's program is split in two: each pattern's main and what the
    // three share (Go: package main, every .go file at the root; TypeScript:
    // src/broker.ts beside src/main.ts).
    const isProgram = (file: string) =>
      file === program ||
      (project.target.language === 'go' && !file.includes('/') && file.endsWith('.go')) ||
      (project.broker !== undefined && project.target.language === 'typescript' && file === 'src/broker.ts');
    const importers = [...project.files]
      .filter(([file]) => isSource(file) && !file.startsWith(harness) && !isProgram(file) && !isBenchmark(file))
      .filter(([, source]) => harnessImports(source, project))
      .map(([file]) => file);
    expect(importers).toEqual([]);
  });

  it('puts the pattern first in a README of at most 150 lines (a broker project: 260)', () => {
    const text = project.files.get('README.md')!;
    const readme = text.split('\n');
    expect(lineCount(text)).toBeLessThanOrEqual(readmeLimit(project));
    const component = fileOf('component file', project);
    const linksComponent = readme.findIndex((line) => line.includes(`](${component})`));
    expect(linksComponent, `a link to ${component}`).toBeGreaterThanOrEqual(0);
    expect(linksComponent).toBeLessThan(30);
    const testCommand = formatCommand(project.target.commands.test, project.packageName);
    const commands = readme.findIndex((line) => line.startsWith(testCommand));
    expect(commands, `the test command ${testCommand}`).toBeGreaterThanOrEqual(0);
    expect(commands).toBeLessThan(60);
  });

  it('refers to no document the project does not contain', () => {
    for (const [file, source] of project.files) {
      expect(source, file).not.toMatch(/source document|\bSPEC\b|program-contract/);
      if (!file.endsWith('.md')) continue;
      for (const [, link] of source.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(link!)) continue;
        const target = path.posix.normalize(link!).replace(/\/$/, '');
        const exists = [...project.files.keys()].some((other) => other === target || other.startsWith(`${target}/`));
        expect(exists, `${file} links ${link}`).toBe(true);
      }
    }
  });
});

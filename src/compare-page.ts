// compare.html: the component of every target side by side, one column per
// target, with the glossary's concepts (templates/README.md) aligned row by
// row: the entry function, the stop, the error path, then the whole file.
// Highlighted here, at generation time; the page has inline CSS, no script,
// and no URL that a browser would fetch.

import { projectLayout, type LanguageId } from './catalogue.js';
import type { ComparisonChoice } from './comparison.js';
import type { RenderedProject } from './comparison-doc.js';
import { escapeHtml, highlight } from './highlight.js';
import type { ProjectFile } from './project.js';
import concepts from '../templates/_compare-concepts.json' with { type: 'json' };

/** The entry function's definition, with its doc comment (Go, TypeScript) or docstring (Python). */
const entryFunction: Readonly<Record<LanguageId, RegExp>> = {
  go: /^func Run\b/,
  python: /^(async )?def run\b/,
  typescript: /^export (async )?function\*? ?run\b/,
};

/**
 * The lines of a generated file that show a concept: from the first line matching `from` to the
 * first one after it matching `to`. `file` is relative to the component's folder, subfolders
 * included; the component may be built on a shared module, whose code is the one to show.
 */
interface Region {
  readonly file: string;
  readonly from: string;
  readonly to: string;
}
/** Where a concept is shown, or why a component has none (a stop it does not take). */
type ConceptSource = readonly Region[] | { readonly none: string };
type ConceptTable = Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, ConceptSource>>>>>>;

/**
 * Per target, per pattern, per concept: kept beside the templates it points into
 * (templates/_compare-concepts.json), since a search by keywords picks argument checks and
 * accessors rather than the code that carries the concept.
 */
export const conceptSources: ConceptTable = concepts;

const conceptRows = [
  {
    title: 'the stop',
    caption: 'stop handle: what ends intake and wakes the workers (Go ctx, Python stop, TypeScript signal)',
    absent: 'this component takes no stop',
  },
  {
    title: 'the error path',
    caption: "failure policy: a failing job becomes its Outcome's error; a failing source ends the run",
    absent: 'this component has no error path',
  },
] as const;

export function comparePage(choice: ComparisonChoice, folders: readonly RenderedProject[]): string {
  const columns = folders.map(({ project, files }) => {
    const file = projectLayout(choice.pattern.id, project.target.language, project.packageName).component;
    const code = files.find((candidate) => candidate.path === file)?.contents;
    if (code === undefined) throw new Error(`${project.target.id}: the component ${file} was not rendered`);
    return { target: project.target, file, code, files };
  });
  const cell = (targetId: string, concept: string, body: string) =>
    `<section class="cell" data-target="${targetId}" data-concept="${concept}">${body}</section>`;
  const code = (text: string, language: LanguageId) => `<pre><code>${highlight(text, language)}</code></pre>`;
  const missing = '<p class="none">not in this file: see the whole component below</p>';

  const rows = [
    {
      title: 'entry function',
      caption: 'runs the pattern over a job source and hands back one Outcome per job as it finishes',
      cells: columns.map(({ target, code: text }) => {
        const excerpt = definitionOf(text, entryFunction[target.language], target.language);
        return cell(target.id, 'entry function', excerpt ? code(excerpt, target.language) : missing);
      }),
    },
    ...conceptRows.map((row) => ({
      title: row.title,
      caption: row.caption,
      cells: columns.map(({ target, file, files }) => {
        const source = conceptSources[target.id]?.[choice.pattern.id]?.[row.title];
        if (source === undefined) throw new Error(`${target.id} ${choice.pattern.id}: where is ${row.title}?`);
        if ('none' in source) {
          return cell(target.id, row.title, `<p class="none">${escapeHtml(`${row.absent}: ${source.none}`)}</p>`);
        }
        const excerpts = source.map((region) => {
          const { path, lines } = regionOf(region, file, files);
          return `<p class="file">in ${escapeHtml(path)}</p>${code(lines, target.language)}`;
        });
        return cell(target.id, row.title, excerpts.join('\n'));
      }),
    })),
    {
      title: 'the whole component',
      caption: 'the file the project keeps, as generated',
      cells: columns.map(({ target, file, code: text }) =>
        cell(target.id, 'the whole component', `<p class="file">${escapeHtml(file)}</p>${code(text, target.language)}`),
      ),
    },
  ];

  const title = `${choice.pattern.title} in ${columns.length} targets`;
  const headers = columns.map(
    ({ target }) =>
      `<header class="column" data-target="${target.id}"><h2>${escapeHtml(target.title)}</h2><a href="${target.id}/README.md">${target.id}/</a></header>`,
  );
  const body = rows.map(
    (row) =>
      `<h3 class="concept">${escapeHtml(row.title)} <small>${escapeHtml(row.caption)}</small></h3>\n${row.cells.join('\n')}`,
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
${style(columns.length)}
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(`${choice.pattern.title}: ${choice.pattern.summary}.`)} Each column is one target's component; each row one concept of the glossary. COMPARISON.md says how the targets differ, with measured figures.</p>
<main class="grid">
${headers.join('\n')}
${body.join('\n')}
</main>
</body>
</html>
`;
}

function style(columnCount: number): string {
  return `:root { color-scheme: light dark; --muted: #6a737d; --line: #d0d7de; --code: #f6f8fa; }
@media (prefers-color-scheme: dark) { :root { --muted: #9198a1; --line: #3d444d; --code: #151b23; } }
body { font: 15px/1.45 system-ui, sans-serif; margin: 1rem; }
.grid { display: grid; grid-template-columns: repeat(${columnCount}, minmax(18rem, 1fr)); gap: 0.5rem 1rem; }
.column { position: sticky; top: 0; background: Canvas; border-bottom: 2px solid var(--line); padding: 0.25rem 0; }
.column h2 { margin: 0; font-size: 1.1rem; }
.concept { grid-column: 1 / -1; margin: 1.5rem 0 0; border-bottom: 1px solid var(--line); }
.concept small { font-weight: normal; color: var(--muted); margin-left: 0.5rem; }
.cell { min-width: 0; }
pre { margin: 0; padding: 0.5rem; background: var(--code); white-space: pre-wrap; overflow-wrap: anywhere; font-size: 12px; line-height: 1.4; }
.none, .file { color: var(--muted); font-style: italic; margin: 0.25rem 0; }
.comment { color: #6a737d; font-style: italic; }
.string { color: #0a7d32; }
.number { color: #b35900; }
.keyword { color: #a626a4; font-weight: 600; }
@media (prefers-color-scheme: dark) {
  .string { color: #7ee787; } .number { color: #ffa657; } .keyword { color: #d2a8ff; } .comment { color: #8b949e; }
}`;
}

/**
 * The definition a line matching `start` opens: the comment above it and its
 * signature (Go, TypeScript), or its signature and docstring (Python).
 */
export function definitionOf(code: string, start: RegExp, language: LanguageId): string | undefined {
  const lines = code.split('\n');
  const first = lines.findIndex((line) => start.test(line));
  if (first < 0) return undefined;
  let from = first;
  while (from > 0 && /^\s*(\/\/|\/\*\*|\*|\*\/)/.test(lines[from - 1]!)) from--;
  let to = first;
  const opens = language === 'python' ? /:\s*$/ : /\{\s*$/;
  while (to < lines.length - 1 && !opens.test(lines[to]!)) to++;
  if (language === 'python' && /^\s*(r|)"""/.test(lines[to + 1] ?? '')) {
    to++;
    const oneLine = /""".*"""/.test(lines[to]!);
    while (!oneLine && to < lines.length - 1 && !lines[to + 1]!.includes('"""')) to++;
    if (!oneLine) to++;
  }
  return lines.slice(from, to + 1).join('\n');
}

/**
 * The lines `region` points at in the project's files, and the file's path; throws when the file
 * or either line is not there, so that a changed template cannot leave a cell showing other code.
 */
export function regionOf(
  region: Region,
  component: string,
  files: readonly ProjectFile[],
): { path: string; lines: string } {
  const path = component.slice(0, component.lastIndexOf('/') + 1) + region.file;
  const contents = files.find((file) => file.path === path)?.contents;
  if (contents === undefined) throw new Error(`compare.html: no file ${path}`);
  const lines = contents.split('\n');
  const first = lines.findIndex((line) => new RegExp(region.from).test(line));
  const last = first < 0 ? -1 : lines.findIndex((line, index) => index > first && new RegExp(region.to).test(line));
  if (last < 0) throw new Error(`compare.html: ${path} has no lines from /${region.from}/ to /${region.to}/`);
  const shown = lines.slice(first, last + 1);
  // Shown as a block of its own: the indentation it had inside its function goes.
  const indent = Math.min(...shown.filter((line) => line.trim()).map((line) => /^\s*/.exec(line)![0].length));
  return { path, lines: shown.map((line) => line.slice(indent)).join('\n') };
}

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

/** How each concept is found in a component, by language: the lines that show it. */
interface ConceptFinder {
  /** The glossary's name for it, and what the row shows. */
  readonly title: string;
  readonly caption: string;
  readonly lines: Readonly<Record<LanguageId, RegExp>>;
}

/** The entry function's definition, with its doc comment (Go, TypeScript) or docstring (Python). */
const entryFunction: Readonly<Record<LanguageId, RegExp>> = {
  go: /^func Run\b/,
  python: /^(async )?def run\b/,
  typescript: /^export (async )?function\*? ?run\b/,
};

const conceptRows: readonly ConceptFinder[] = [
  {
    title: 'the stop',
    caption: 'stop handle: what ends intake and wakes the workers (Go ctx, Python stop, TypeScript signal)',
    lines: {
      go: /^(?!import)(?=.*\bctx\b)(?!.*\bctx context\.Context\b)/,
      python: /^(?!\s*(from|import)\b).*(\bstop\b|\.cancel\(\)|\bterminate\(\))/,
      typescript: /^(?!import\b).*\b(signal|stop|cancel)\.(aborted|reason|addEventListener|throwIfAborted)\b|\.abort\(/,
    },
  },
  {
    title: 'the error path',
    caption: "failure policy: a failing job becomes its Outcome's error; a failing source ends the run",
    lines: {
      go: /recover\(\)|PanicError|\bErr:|if err != nil/,
      python: /^\s*except\b|^\s*raise\b|error=/,
      typescript: /\bcatch\b|\bthrow\b|error:/,
    },
  },
];

/** Lines of context kept around each matching line, and the most lines a cell shows. */
const context = 1;
const maxExcerptLines = 30;

export function comparePage(choice: ComparisonChoice, folders: readonly RenderedProject[]): string {
  const columns = folders.map(({ project, files }) => {
    const file = projectLayout(choice.pattern.id, project.target.language, project.packageName).component;
    const code = files.find((candidate) => candidate.path === file)?.contents;
    if (code === undefined) throw new Error(`${project.target.id}: the component ${file} was not rendered`);
    return { target: project.target, file, code, helpers: helpersOf(file, files) };
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
      cells: columns.map(({ target, file, code: text, helpers }) => {
        // A component built on a shared helper module shows the helper's lines.
        const found = [{ path: file, contents: text }, ...helpers]
          .map((source) => ({
            path: source.path,
            excerpt: linesAround(source.contents, row.lines[target.language], target.language),
          }))
          .find((source) => source.excerpt !== undefined);
        if (!found) return cell(target.id, row.title, missing);
        const from = found.path === file ? '' : `<p class="file">in ${escapeHtml(found.path)}</p>`;
        return cell(target.id, row.title, from + code(found.excerpt!, target.language));
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

/** The component's own modules beside it, its outcome type last: not its tests, benchmarks or program. */
function helpersOf(component: string, files: readonly ProjectFile[]): ProjectFile[] {
  const folder = component.slice(0, component.lastIndexOf('/') + 1);
  const extension = component.slice(component.lastIndexOf('.'));
  return files
    .filter(
      (file) =>
        file.path !== component &&
        file.path.startsWith(folder) &&
        !file.path.slice(folder.length).includes('/') &&
        file.path.endsWith(extension) &&
        !/test|bench|main|__init__/.test(file.path.slice(folder.length)),
    )
    .sort((a, b) => Number(a.path.includes('outcome')) - Number(b.path.includes('outcome')));
}

/**
 * Every line of code (not of a comment or docstring) matching `pattern`,
 * with a line of context on each side; gaps are marked with an ellipsis.
 */
export function linesAround(code: string, pattern: RegExp, language: LanguageId): string | undefined {
  const lines = code.split('\n');
  const prose = proseLines(lines, language);
  const keep = new Set<number>();
  lines.forEach((line, index) => {
    if (prose[index] || !pattern.test(line)) return;
    for (let near = index - context; near <= index + context; near++) {
      if (near >= 0 && near < lines.length) keep.add(near);
    }
  });
  if (keep.size === 0) return undefined;
  const kept = [...keep].sort((a, b) => a - b).slice(0, maxExcerptLines);
  const excerpt: string[] = [];
  kept.forEach((index, position) => {
    if (position > 0 && index !== kept[position - 1]! + 1) excerpt.push('⋮');
    excerpt.push(lines[index]!);
  });
  if (kept.length < keep.size) excerpt.push('⋮');
  return excerpt.join('\n');
}

/** Which lines are comments or docstrings, where a concept's name in prose is no code to show. */
function proseLines(lines: readonly string[], language: LanguageId): boolean[] {
  let inBlock = false;
  return lines.map((line) => {
    const trimmed = line.trim();
    if (language === 'python') {
      const quotes = trimmed.split('"""').length - 1;
      const prose = inBlock || quotes > 0 || trimmed.startsWith('#');
      if (quotes % 2 === 1) inBlock = !inBlock;
      return prose;
    }
    if (inBlock) {
      if (trimmed.includes('*/')) inBlock = false;
      return true;
    }
    if (trimmed.startsWith('/*')) {
      inBlock = !trimmed.includes('*/');
      return true;
    }
    return trimmed.startsWith('//');
  });
}

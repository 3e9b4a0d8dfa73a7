// COMPARISON.md: how each target expresses the pattern, and the design-
// philosophy table. The words are data: templates/COMPARISON.md.ejs lays the
// page out, each target's templates/<target>/_compare.md.ejs describes it
// aspect by aspect (quoting figures of docs/benchmarks.json), and the rest
// comes from the files every project is made of (_idiom.md, the README's
// "Mistakes it avoids", the pattern's introduction).

import fs from 'node:fs/promises';
import path from 'node:path';
import ejs from 'ejs';
import { projectLayout, type Target } from './catalogue.js';
import type { ComparisonChoice } from './comparison.js';
import { figuresOf, type Figures } from './comparison-figures.js';
import { alignTables, packageFileUrl, templatesRoot, type ProjectFile } from './project.js';
import type { ProjectChoice } from './settle.js';

/** The rows of the design-philosophy table: the sections of every `_compare.md.ejs`, in this order. */
export const aspects = [
  'scheduling',
  'memory per unit',
  'synchronisation',
  'CPU-bound work',
  'I/O-bound work',
  'errors',
  'cancellation',
] as const;

export type Aspect = (typeof aspects)[number];

export interface RenderedProject {
  readonly project: ProjectChoice;
  readonly files: readonly ProjectFile[];
}

export async function comparisonMarkdown(
  choice: ComparisonChoice,
  folders: readonly RenderedProject[],
): Promise<string> {
  const root = await templatesRoot();
  const figures = figuresOf();
  const url = await packageFileUrl();
  const projects = await Promise.all(
    folders.map(async ({ project, files }) => ({
      target: project.target,
      component: projectLayout(choice.pattern.id, project.target.language, project.packageName).component,
      idiom: (await fs.readFile(path.join(root, project.target.id, choice.pattern.id, '_idiom.md'), 'utf8')).trim(),
      aspects: await targetAspects(project.target, figures),
      mistakes: readmeSection(files, 'Mistakes it avoids'),
      essay: url(`docs/targets/${project.target.id}.md`),
    })),
  );
  const intro = await fs.readFile(path.join(root, '_patterns', `${choice.pattern.id}.md`), 'utf8');
  const markdown = ejs.render(await fs.readFile(path.join(root, 'COMPARISON.md.ejs'), 'utf8'), {
    pattern: choice.pattern,
    projects,
    aspects,
    figures,
    // The figure blocks' markers are for scripts/render-figures.mjs, not for readers.
    intro: intro.replace(/^<!-- \/?figures:[\w-]+ -->\n\n?/gm, '').trim(),
    benchmarksUrl: url('docs/benchmarks.md'),
    choosingUrl: url('docs/choosing.md'),
  });
  return `${alignTables(markdown).trimEnd()}\n`;
}

/** A target's `_compare.md.ejs`, rendered with the figures: one line of prose per aspect. */
export async function targetAspects(target: Target, figures: Figures): Promise<Map<Aspect, string>> {
  const file = path.join(await templatesRoot(), target.id, '_compare.md.ejs');
  const text = ejs.render(await fs.readFile(file, 'utf8'), { figures });
  const sections = new Map<Aspect, string>();
  for (const section of text.split(/^## /m).slice(1)) {
    const [heading, ...body] = section.split('\n');
    // One table cell each: a cell cannot hold a line break or an unescaped pipe.
    sections.set(heading!.trim() as Aspect, body.join(' ').replace(/\s+/g, ' ').trim().replaceAll('|', '\\|'));
  }
  const headings = [...sections.keys()];
  if (headings.join('\n') !== aspects.join('\n')) {
    throw new Error(
      `templates/${target.id}/_compare.md.ejs: sections must be ${aspects.join(', ')}; found ${headings.join(', ')}`,
    );
  }
  return sections;
}

/** The body of a README section, without its heading. */
function readmeSection(files: readonly ProjectFile[], heading: string): string {
  const readme = files.find((file) => file.path === 'README.md')!.contents;
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`a generated README has no "${heading}" section`);
  const body = readme.slice(start + heading.length + 5);
  const end = body.search(/^## /m);
  return (end < 0 ? body : body.slice(0, end)).trim();
}

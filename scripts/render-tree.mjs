// Renders the decision tree of --recommend (src/decision-tree.ts) into the
// docs that show it: every block between <!-- decision-tree:NAME --> and
// <!-- /decision-tree:NAME --> in README.md and docs/choosing.md (the mermaid
// diagram, and each path as flags). It reads the tree from the built
// dist/cli.js, so `npm run docs:tree` builds first.
//   node scripts/render-tree.mjs           rewrite the blocks
//   node scripts/render-tree.mjs --check   exit 1 if any of them differs
// test/unit/decision-tree.test.ts fails when a committed block differs from the data.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const treeDocs = ['README.md', path.join('docs', 'choosing.md')];

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
const root = path.join(import.meta.dirname, '..');
const { applyTreeBlocks } = await import(path.join(root, 'dist', 'cli.js'));
const { format, resolveConfig } = await import('prettier');
const stale = [];
for (const relative of treeDocs) {
  const file = path.join(root, relative);
  const current = readFileSync(file, 'utf8');
  const rendered = await format(applyTreeBlocks(current, relative), { ...(await resolveConfig(file)), filepath: file });
  if (rendered === current) continue;
  stale.push(relative);
  if (!values.check) writeFileSync(file, rendered);
}
if (values.check && stale.length) {
  console.error(`the decision tree differs from src/decision-tree.ts in: ${stale.join(', ')}\nrun: npm run docs:tree`);
  process.exit(1);
}
console.log(stale.length ? `rendered: ${stale.join(', ')}` : 'every decision-tree block matches src/decision-tree.ts');

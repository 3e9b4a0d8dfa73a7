// Temporary helper for template authors until the scaffolder lands:
//   node scripts/render-dev.mjs <target> <pattern> <outdir> [name]
// Renders the layers of templates/ the way the generator will (see templates/README.md).
import fs from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';

const [target, pattern, outdir, name = `demo-${pattern}`] = process.argv.slice(2);
if (!target || !pattern || !outdir) {
  console.error('usage: node scripts/render-dev.mjs <target> <pattern> <outdir> [name]');
  process.exit(2);
}
const root = path.join(import.meta.dirname, '..', 'templates');
const language = target.startsWith('python-') ? ['python/_shared'] : [];
const layers = [...language, `${target}/_shared`, `${target}/${pattern}`];
const packageName = target.startsWith('python-') ? name.replaceAll('-', '_') : name;
const values = {
  name,
  packageName,
  pattern: { id: pattern, title: pattern, summary: '' },
  target: { id: target, title: target },
};
const readme = [];
function walk(dir, rel = '') {
  for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const relPath = path.join(rel, entry.name);
    if (entry.isDirectory()) { walk(dir, relPath); continue; }
    let text = fs.readFileSync(path.join(dir, relPath), 'utf8');
    let outRel = relPath.split(path.sep).map((s) => (s === '__package__' ? packageName : s)).join(path.sep);
    if (outRel.endsWith('.ejs')) { text = ejs.render(text, values); outRel = outRel.slice(0, -4); }
    if (path.basename(outRel) === '_readme.md') { readme.push(text); continue; }
    if (path.basename(outRel) === '_gitignore') outRel = path.join(path.dirname(outRel), '.gitignore');
    fs.mkdirSync(path.dirname(path.join(outdir, outRel)), { recursive: true });
    fs.writeFileSync(path.join(outdir, outRel), text);
  }
}
for (const layer of layers) {
  const dir = path.join(root, layer);
  if (fs.existsSync(dir)) walk(dir);
}
fs.writeFileSync(path.join(outdir, 'README.md'), `# ${name}\n\n${readme.join('\n\n')}`);
console.log(`rendered ${layers.join(' + ')} into ${outdir}`);

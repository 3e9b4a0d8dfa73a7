// Builds the published program: src/cli.ts and everything it runs (the Yeoman
// generator, EJS, the prompts) bundled into one file, dist/cli.js, so that the
// package installs with no dependencies. Yeoman is only evaluated when there
// is something to ask: esbuild keeps a dynamically imported module lazy.
//   node scripts/build.mjs [--metafile]   (--metafile prints what takes the room)
import { rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const outfile = path.join(root, 'dist', 'cli.js');
rmSync(path.join(root, 'dist'), { recursive: true, force: true });

const result = await build({
  entryPoints: [path.join(root, 'src', 'cli.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  minify: true,
  legalComments: 'linked',
  metafile: process.argv.includes('--metafile'),
  logLevel: 'warning',
  // CommonJS dependencies (EJS among them) require Node's built-in modules.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
});

if (result.metafile) {
  const bytesByPackage = new Map();
  for (const [input, { bytesInOutput }] of Object.entries(
    result.metafile.outputs[path.relative(root, outfile)].inputs,
  )) {
    const name =
      input
        .match(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)
        ?.at(-1)
        ?.slice('node_modules/'.length) ?? '(ours)';
    bytesByPackage.set(name, (bytesByPackage.get(name) ?? 0) + bytesInOutput);
  }
  for (const [name, bytes] of [...bytesByPackage].sort((a, b) => b[1] - a[1])) {
    console.log(`${(bytes / 1024).toFixed(1).padStart(8)} KiB  ${name}`);
  }
}

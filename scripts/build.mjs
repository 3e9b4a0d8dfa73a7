// Builds the published program: src/cli.ts and everything it runs (the Yeoman
// generator, EJS, the prompts) bundled into one file, dist/cli.js, so that the
// package installs with no dependencies. Yeoman is only evaluated when there
// is something to ask: esbuild keeps a dynamically imported module lazy.
//
// Our generator only asks, so the parts of yeoman-generator that run git,
// spawn commands or look up versions on the registry never run; the packages
// behind them are left out, and calling them would throw.
//   node scripts/build.mjs [--metafile]   (--metafile prints what takes the room)
import { rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const outfile = path.join(root, 'dist', 'cli.js');
rmSync(path.join(root, 'dist'), { recursive: true, force: true });

/** Named exports yeoman-generator imports from the packages it never uses here. */
const leftOut = {
  execa: ['execa', 'execaCommand', 'execaCommandSync', 'execaSync'],
  'simple-git': ['CheckRepoActions', 'CleanOptions', 'simpleGit'],
  'latest-version': ['default'],
};

const leaveOutUnusedYeomanParts = {
  name: 'leave-out-unused-yeoman-parts',
  setup(build) {
    build.onResolve({ filter: /^(execa|simple-git|latest-version)$/ }, ({ path: name, importer }) =>
      importer.includes(`${path.sep}node_modules${path.sep}yeoman-generator${path.sep}`)
        ? { path: name, namespace: 'left-out' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'left-out' }, ({ path: name }) => {
      const fail = `() => { throw new Error('${name} is not bundled: the generator only asks'); }`;
      const exports = leftOut[name].map((binding) =>
        binding === 'default' ? `export default ${fail};` : `export const ${binding} = ${fail};`,
      );
      return { contents: exports.join('\n'), loader: 'js' };
    });
  },
};

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
  plugins: [leaveOutUnusedYeomanParts],
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

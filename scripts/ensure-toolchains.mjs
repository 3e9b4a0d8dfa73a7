// Makes sure the toolchains the end-to-end tests judge generated projects
// with are here: Go 1.25+, Python 3.11+ with the dev tools pinned in the
// Python template (installed with pip when missing or at another version).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

function output(file, args) {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return undefined;
  }
}

function fail(message) {
  console.error(`error: ${message}`);
  process.exit(1);
}

const go = output('go', ['env', 'GOVERSION']);
const [goMajor, goMinor] = (go ?? '').replace(/^go/, '').split('.').map(Number);
if (!go || goMajor < 1 || (goMajor === 1 && goMinor < 25)) fail(`Go 1.25 or newer is needed, found ${go ?? 'none'}`);

const python = output('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
const [pyMajor, pyMinor] = (python ?? '').split('.').map(Number);
if (!python || pyMajor < 3 || (pyMajor === 3 && pyMinor < 11))
  fail(`Python 3.11 or newer is needed, found ${python ?? 'none'}`);

const pyproject = readFileSync(new URL('../templates/python/_shared/pyproject.toml.ejs', import.meta.url), 'utf8');
const devGroup = /^dev = \[([^\]]*)\]/m.exec(pyproject)?.[1] ?? fail('no dev dependency group in the Python template');
const pins = [...devGroup.matchAll(/"([\w-]+)==([\w.]+)"/g)].map(([, name, version]) => ({ name, version }));
const stale = pins.filter(({ name, version }) => {
  const installed = output('python3', ['-c', `import importlib.metadata as m; print(m.version("${name}"))`]);
  return installed !== version;
});
if (stale.length > 0) {
  const specs = stale.map(({ name, version }) => `${name}==${version}`);
  console.error(`installing Python dev tools: ${specs.join(' ')}`);
  execFileSync('python3', ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...specs], {
    stdio: 'inherit',
  });
}
for (const tool of ['ruff', 'mypy']) {
  if (output(tool, ['--version']) === undefined)
    fail(`${tool} is installed but not on PATH; add Python's scripts folder to PATH`);
}

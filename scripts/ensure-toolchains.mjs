// Makes sure the toolchains the end-to-end tests judge generated projects
// with are here: Go 1.25+, Python 3.11+, and the Python dev tools pinned in
// the Python template (pytest, ruff, mypy) and the brokers' Python clients. The tools go into a virtual
// environment inside this repository (.cache/python-tools, git-ignored),
// created on first use: the contributor's own Python is never pip-installed
// into, which PEP 668 systems refuse anyway. vitest.config.ts puts its bin
// folder first on PATH for the tests.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const repoRoot = path.resolve(import.meta.dirname, '..');
const venv = path.join(repoRoot, '.cache', 'python-tools');
const venvPython = path.join(venv, ...(process.platform === 'win32' ? ['Scripts', 'python.exe'] : ['bin', 'python']));

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

// The pins are the catalogue's, which also renders them into every Python project.
const catalogue = readFileSync(path.join(repoRoot, 'src', 'catalogue.ts'), 'utf8');
const devTools =
  /^const pythonDevTools = \[([^\]]*)\]/m.exec(catalogue)?.[1] ?? fail('no pythonDevTools in src/catalogue.ts');
const pins = [...devTools.matchAll(/'([\w-]+)==([\w.]+)'/g)].map(([, name, version]) => ({ name, version }));
if (pins.length === 0) fail('src/catalogue.ts pins no Python dev tools');
// The brokers' Python clients, which broker projects' tests import, with their extras
// (`extras: ['hiredis']`: pip installs the extra's packages with the client).
const clients = /^\s+python: \{ name: '([\w-]+)', version: '([\w.]+)'(?:, extras: \[([^\]]*)\])? \}/gm;
for (const [, name, version, extras = ''] of catalogue.matchAll(clients)) {
  pins.push({ name, version, extras: [...extras.matchAll(/'([\w-]+)'/g)].map(([, extra]) => extra) });
}

if (!existsSync(venvPython)) {
  console.error(`creating a virtual environment for the Python dev tools in ${path.relative(repoRoot, venv)}`);
  try {
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  } catch {
    fail('python3 -m venv failed; on Debian and Ubuntu, install the python3-venv package');
  }
}
const installedVersion = (name) =>
  output(venvPython, ['-c', `import importlib.metadata as m; print(m.version("${name}"))`]);
// An extra names the packages it adds after itself here ('hiredis' adds hiredis).
const stale = pins.filter(
  ({ name, version, extras = [] }) =>
    installedVersion(name) !== version || extras.some((extra) => installedVersion(extra) === undefined),
);
if (stale.length > 0) {
  const specs = stale.map(
    ({ name, version, extras = [] }) => `${name}${extras.length ? `[${extras}]` : ''}==${version}`,
  );
  console.error(`installing Python dev tools into ${path.relative(repoRoot, venv)}: ${specs.join(' ')}`);
  execFileSync(venvPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...specs], {
    stdio: 'inherit',
  });
}

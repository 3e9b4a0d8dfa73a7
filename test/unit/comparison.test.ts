// `--target all` and comma lists: the list's resolution, the folders (each
// byte for byte the project a single-target run renders), COMPARISON.md,
// compare.html, run-tests, and main() in-process for dry-run, force,
// all-or-nothing writes, --install, --git and next steps. Bad lists are in
// test/bad-invocations.ts, which test/unit/main.test.ts runs.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { brokers, patterns, targets } from '../../src/catalogue.js';
import { comparePage, definitionOf, regionOf } from '../../src/compare-page.js';
import { aspects, targetAspects } from '../../src/comparison-doc.js';
import {
  isComparison,
  renderComparison,
  resolveTargetList,
  settleRequest,
  type ComparisonChoice,
} from '../../src/comparison.js';
import { figuresOf } from '../../src/comparison-figures.js';
import { highlight } from '../../src/highlight.js';
import { formatCommand, renderProject, templatesRoot } from '../../src/project.js';
import { settle } from '../../src/settle.js';
import { runMain } from '../in-process.js';

const run = promisify(execFile);
let workDir: string;
beforeEach(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ccp-comparison-'));
});
afterEach(async () => {
  await fs.rm(workDir, { recursive: true, force: true });
});

const measured = JSON.parse(readFileSync(new URL('../../docs/benchmarks.json', import.meta.url), 'utf8'));

async function comparison(patternId: string, targetValue = 'all', name = 'side'): Promise<ComparisonChoice> {
  const { choice } = await settleRequest({ pattern: patternId, target: targetValue, name, force: false }, workDir);
  if (!choice || !isComparison(choice)) throw new Error('expected a comparison');
  return choice;
}

describe('target lists', () => {
  it('all is every target in catalogue order; a list keeps its order and takes aliases', () => {
    expect(resolveTargetList('all')).toEqual([...targets]);
    expect(resolveTargetList('ts,golang').map((target) => target.id)).toEqual(['typescript', 'go']);
  });

  it('settles one project per target, each in the folder named by its id, with the same name', async () => {
    const choice = await comparison('timeout', 'go,python-asyncio', 'my-cmp');
    expect(choice.directory).toBe(path.join(workDir, 'my-cmp'));
    expect(choice.projects.map((project) => [project.target.id, project.directory, project.packageName])).toEqual([
      ['go', path.join(workDir, 'my-cmp', 'go'), 'my-cmp'],
      ['python-asyncio', path.join(workDir, 'my-cmp', 'python-asyncio'), 'my_cmp'],
    ]);
  });
});

describe('each folder is the project a single-target run writes', () => {
  for (const pattern of patterns) {
    it(pattern.id, async () => {
      const files = await renderComparison(await comparison(pattern.id));
      for (const target of targets) {
        const single = await settle({ pattern: pattern.id, target: target.id, name: 'side', force: false }, workDir);
        const expected = await renderProject(single.choice!);
        const folder = files
          .filter((file) => file.path.startsWith(`${target.id}/`))
          .map((file) => ({ path: file.path.slice(target.id.length + 1), contents: file.contents }));
        expect(folder).toEqual(expected);
      }
      expect(
        files
          .filter((file) => !targets.some((target) => file.path.startsWith(`${target.id}/`)))
          .map((file) => file.path),
      ).toEqual(['COMPARISON.md', 'compare.html', 'run-tests', 'Makefile', '.gitignore']);
    });
  }
});

describe('COMPARISON.md', () => {
  it("quotes each target's idiom and mistakes, and has one row per aspect with one cell per target", async () => {
    const choice = await comparison('worker-pool');
    const markdown = (await renderComparison(choice)).find((file) => file.path === 'COMPARISON.md')!.contents;
    for (const target of targets) {
      const idiom = readFileSync(path.join(await templatesRoot(), target.id, 'worker-pool', '_idiom.md'), 'utf8');
      expect(markdown).toContain(idiom.trim());
      expect(markdown).toContain(`### ${target.title}`);
    }
    for (const section of markdown.split('\n### ').slice(1)) {
      const mistakes = section.slice(section.indexOf('avoids each:'));
      expect(mistakes.split('\n').filter((line) => line.startsWith('| ')).length, section).toBeGreaterThan(2);
    }
    for (const aspect of aspects) {
      const row = markdown.split('\n').find((line) => line.startsWith(`| **${aspect}**`));
      expect(row, aspect).toBeDefined();
      expect(row!.split(/(?<!\\)\|/).length - 2, aspect).toBe(targets.length + 1);
    }
  });

  it('reads its figures from docs/benchmarks.json when it is generated', async () => {
    const go = targets.find((target) => target.id === 'go')!;
    const changed = structuredClone(measured);
    for (const row of changed.parked) if (row.id === 'goroutine') row.bytes_per_unit = 123_456;
    expect((await targetAspects(go, figuresOf(changed))).get('memory per unit')).toContain('121 KB');

    changed.parked = changed.parked.filter((row: { id: string }) => row.id !== 'goroutine');
    await expect(targetAspects(go, figuresOf(changed))).rejects.toThrow('no parked row "goroutine"');
  });

  it('types no measured figure into the templates: every one comes from the data', async () => {
    for (const target of targets) {
      const file = path.join(await templatesRoot(), target.id, '_compare.md.ejs');
      const prose = (await fs.readFile(file, 'utf8')).replaceAll(/<%=[^%]*%>/g, '');
      expect(prose, file).not.toMatch(/\d\s*(µs|ms|KB|MB|×)/);
    }
  });
});

describe('compare.html', () => {
  for (const pattern of patterns) {
    it(`${pattern.id}: one column per target, every concept row filled, nothing fetched from elsewhere`, async () => {
      const choice = await comparison(pattern.id);
      const page = (await renderComparison(choice)).find((file) => file.path === 'compare.html')!.contents;
      const columns = [...page.matchAll(/<header class="column" data-target="([\w-]+)"/g)].map((match) => match[1]);
      expect(columns).toEqual(targets.map((target) => target.id));
      for (const concept of ['entry function', 'the stop', 'the error path', 'the whole component']) {
        const cells = [...page.matchAll(new RegExp(`data-target="([\\w-]+)" data-concept="${concept}">`, 'g'))];
        expect(
          cells.map((cell) => cell[1]),
          concept,
        ).toEqual(columns);
      }
      // Only the entry function must be in every component; the stop and the error path may be in a helper.
      expect(page).not.toMatch(/data-concept="entry function"><p class="none">/);
      const addresses = [...page.matchAll(/\b(?:href|src)="([^"]*)"/g)].map((match) => match[1]!);
      expect(addresses.filter((address) => /^[a-z][\w+.-]*:|^\/\//i.test(address))).toEqual([]);
      expect(page).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
      expect(page).toContain('<span class="keyword">');
    });
  }

  /** The text of each cell of `concept`, by target: code without its highlighting, or the note. */
  function cellsOf(page: string, concept: string): Map<string, string> {
    const cells = page.matchAll(
      new RegExp(`<section class="cell" data-target="([\\w-]+)" data-concept="${concept}">([\\s\\S]*?)</section>`, 'g'),
    );
    const text = (html: string) =>
      html
        .replaceAll(/<[^>]+>/g, '')
        .replaceAll('&lt;', '<')
        .replaceAll('&gt;', '>')
        .replaceAll('&quot;', '"')
        .replaceAll('&#39;', "'")
        .replaceAll('&amp;', '&');
    return new Map([...cells].map((cell) => [cell[1]!, text(cell[2]!)]));
  }

  // What the code of each concept must contain, by language.
  const handlerCall = /\b_?handle\(/;
  const failedOutcome = {
    go: /Outcome\[J, R\]\{Job: \w+, (Value: value, )?Err: err\}/,
    python: /Outcome\([^)]*error=/,
    typescript: /ok: false, error\b/,
  };
  const reactsToStop = {
    go: /<-ctx\.Done\(\)|ctx\.Err\(\) [!=]= nil/,
    python: /\bstop\.(is_set|wait)\(\)|_stop\.is_set\(\)|\.stopped\b|\._stopped\(\)/,
    typescript: /\b(signal|stop)\.aborted\b|\b(signal|stop)\.addEventListener\('abort'/,
  };
  const takesStop = { go: /\bctx context\.Context\b/, python: /\bstop:/, typescript: /\bsignal\b/ };

  for (const pattern of patterns) {
    it(`${pattern.id}: the stop and the error-path cells show the code that carries them, in every target`, async () => {
      const choice = await comparison(pattern.id);
      const page = (await renderComparison(choice)).find((file) => file.path === 'compare.html')!.contents;
      const entries = cellsOf(page, 'entry function');
      const stops = cellsOf(page, 'the stop');
      const errors = cellsOf(page, 'the error path');
      for (const target of targets) {
        const language = target.language;
        const error = errors.get(target.id)!;
        expect(error, `${target.id}: the handler call`).toMatch(handlerCall);
        expect(error, `${target.id}: the failed Outcome`).toMatch(failedOutcome[language]);
        const stop = stops.get(target.id)!;
        if (takesStop[language].test(entries.get(target.id)!)) {
          expect(stop, `${target.id}: what reacts to the stop`).toMatch(reactsToStop[language]);
        } else {
          expect(stop, target.id).toMatch(/^this component takes no stop: \S/);
        }
      }
    });
  }

  it('shows a region from its first line to its end, dedented, and refuses one that is gone', () => {
    const files = [
      {
        path: 'pkg/sub/pool.py',
        contents: 'class P:\n    def stop(self):\n        self.x = 1\n\n    def other(self):\n',
      },
    ];
    const region = { file: 'sub/pool.py', from: '^    def stop', to: 'self\\.x' };
    expect(regionOf(region, 'pkg/pool.py', files)).toEqual({
      path: 'pkg/sub/pool.py',
      lines: 'def stop(self):\n    self.x = 1',
    });
    expect(() => regionOf({ ...region, to: 'self\\.y' }, 'pkg/pool.py', files)).toThrow('no lines from');
    expect(() => regionOf({ ...region, file: 'pool.py' }, 'pkg/pool.py', files)).toThrow('no file pkg/pool.py');
  });

  it('escapes the code it shows', () => {
    expect(highlight('if a < b { return "<b>" } // x > y', 'go')).toBe(
      '<span class="keyword">if</span> a &lt; b { <span class="keyword">return</span> ' +
        '<span class="string">&quot;&lt;b&gt;&quot;</span> } <span class="comment">// x &gt; y</span>',
    );
    expect(highlight('x = f"{y}"  # 3 > 2\nraise', 'python')).toBe(
      'x = <span class="string">f&quot;{y}&quot;</span>  <span class="comment"># 3 &gt; 2</span>\n<span class="keyword">raise</span>',
    );
    expect(highlight('const n = 42; // ok', 'typescript')).toBe(
      '<span class="keyword">const</span> n = <span class="number">42</span>; <span class="comment">// ok</span>',
    );
  });

  it('takes a definition with its doc comment or docstring', () => {
    const go = '// Run runs.\n// More.\nfunc Run(\n\tx int,\n) {\n\treturn\n}';
    expect(definitionOf(go, /^func Run\b/, 'go')).toBe('// Run runs.\n// More.\nfunc Run(\n\tx int,\n) {');
    const python = 'def run(\n    x: int,\n) -> None:\n    """Runs.\n\n    More.\n    """\n    stop.set()\n';
    expect(definitionOf(python, /^def run\b/, 'python')).toBe(python.split('\n').slice(0, 7).join('\n'));
  });

  it('names every target it is given, and only those', async () => {
    const choice = await comparison('fan-out', 'typescript,go');
    const page = comparePage(
      choice,
      await Promise.all(choice.projects.map(async (project) => ({ project, files: await renderProject(project) }))),
    );
    expect([...page.matchAll(/<header class="column" data-target="([\w-]+)"/g)].map((m) => m[1])).toEqual([
      'typescript',
      'go',
    ]);
  });
});

describe('run-tests', () => {
  /** Stand-ins for go, python3 and npm that print how they were called and fail in the folders FAIL_IN names. */
  async function fakeToolchain(): Promise<string> {
    const bin = path.join(workDir, 'bin');
    await fs.mkdir(bin);
    for (const tool of ['go', 'python3', 'npm']) {
      const script = `#!/bin/sh
echo "${tool} $*"
[ "$1" = install ] && mkdir -p node_modules
case " $FAIL_IN " in *" $(basename "$PWD") "*) exit 1 ;; esac
exit 0
`;
      await fs.writeFile(path.join(bin, tool), script, { mode: 0o755 });
    }
    return bin;
  }

  async function writeComparison(): Promise<ComparisonChoice> {
    const choice = await comparison('worker-pool');
    for (const file of await renderComparison(choice)) {
      await fs.mkdir(path.dirname(path.join(choice.directory, file.path)), { recursive: true });
      await fs.writeFile(path.join(choice.directory, file.path), file.contents);
    }
    return choice;
  }

  async function runTests(directory: string, bin: string, args: string[], failIn = '') {
    const env = { PATH: `${bin}${path.delimiter}${process.env.PATH}`, FAIL_IN: failIn };
    return run('sh', ['run-tests', ...args], { cwd: directory, env }).then(
      (result) => ({ code: 0, ...result }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
  }

  it("runs each folder's README test command and prints one line per target; exit 1 if any failed", async () => {
    const choice = await writeComparison();
    const bin = await fakeToolchain();
    const { code, stdout } = await runTests(choice.directory, bin, [], 'python-threading');
    expect(code).toBe(1);
    const lines = stdout.trim().split('\n');
    expect(lines.map((line) => line.split(/\s+/).slice(0, 2))).toEqual(
      targets.map((target) => [target.id === 'python-threading' ? 'FAIL' : 'ok', target.id]),
    );
    for (const project of choice.projects) {
      const log = await fs.readFile(path.join(choice.directory, '.test-logs', `${project.target.id}.log`), 'utf8');
      expect(log).toContain(formatCommand(project.target.commands.test, project.packageName));
      if (project.target.commands.install) expect(log).toContain(formatCommand(project.target.commands.install, ''));
    }
    expect((await runTests(choice.directory, bin, [])).code).toBe(0);
  });

  it('make test and make test-<folder> go through run-tests', async () => {
    const choice = await writeComparison();
    const bin = await fakeToolchain();
    const env = { PATH: `${bin}${path.delimiter}${process.env.PATH}`, FAIL_IN: '' };
    const made = await run('make', ['--no-print-directory', 'test-go'], { cwd: choice.directory, env }).catch(
      (error: { code: string }) => error,
    );
    if ('code' in made && made.code === 'ENOENT') return; // no make here: run-tests is the command anyway
    expect(
      'stdout' in made &&
        made.stdout
          .trim()
          .split('\n')
          .map((line) => line.split(/\s+/).slice(0, 2)),
    ).toEqual([['ok', 'go']]);
  });

  it('runs only the folders named, and refuses a folder that is not there', async () => {
    const choice = await writeComparison();
    const bin = await fakeToolchain();
    const one = await runTests(choice.directory, bin, ['go']);
    expect(one.code).toBe(0);
    expect(one.stdout.trim().split('\n')).toHaveLength(1);
    const wrong = await runTests(choice.directory, bin, ['nope']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('no folder nope here');
  });
});

describe('main() with a target list', () => {
  /** main() without a terminal; `interrupt` makes a Ctrl-C arrive once everything is rendered. */
  const cli = (argv: string[], env: NodeJS.ProcessEnv = {}, interrupt = false) =>
    runMain(argv, { cwd: workDir, env: { PATH: process.env.PATH, ...env }, interrupt });

  async function tree(root: string): Promise<string[]> {
    const entries = await fs.readdir(root, { recursive: true, withFileTypes: true });
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
      .sort();
  }

  it('writes every folder and the top files, and says what to do next', async () => {
    const { code, stdout, stderr } = await cli(['side', '-p', 'fan-out', '-t', 'go,python-threading']);
    expect(code, stderr).toBe(0);
    const files = await tree(path.join(workDir, 'side'));
    expect(files).toEqual(
      expect.arrayContaining(['COMPARISON.md', 'compare.html', 'run-tests', 'Makefile', 'go/go.mod']),
    );
    expect(files.some((file) => file.startsWith(`python-threading${path.sep}side${path.sep}`))).toBe(true);
    expect(stdout).toContain('Created side: Fan-out / fan-in in 2 targets');
    expect(stdout).toMatch(/^\s+cd side$/m);
    expect(stdout).toMatch(/^\s+python3 -m pip install .*pytest/m);
    expect(stdout).toMatch(/^\s+sh run-tests\s/m);
  });

  it('--yes names it <pattern>-all, or <pattern>-compare for a list', async () => {
    const { code } = await cli(['--yes', '-t', 'all']);
    expect(code).toBe(0);
    expect(await fs.readdir(path.join(workDir, 'worker-pool-all'))).toContain('COMPARISON.md');
    expect((await cli(['--yes', '-t', 'go,typescript'])).code).toBe(0);
    expect((await fs.readdir(path.join(workDir, 'worker-pool-compare'))).sort()).toContain('typescript');
  });

  it('--dry-run lists every file and writes nothing', async () => {
    const { code, stdout } = await cli(['side', '-p', 'timeout', '-t', 'all', '--dry-run']);
    expect(code).toBe(0);
    const choice = await comparison('timeout');
    const files = await renderComparison(choice);
    expect(stdout.trim().split('\n').slice(1)).toEqual(files.map((file) => `  ${file.path}`));
    expect(stdout).toContain(`Would write ${files.length} files`);
    expect(await fs.readdir(workDir)).toEqual([]);
  });

  it.each(brokers.flatMap((broker) => broker.patterns.map((pattern) => ({ broker: broker.id, pattern }))))(
    '--broker $broker renders the $pattern comparison in every target',
    async ({ broker, pattern }) => {
      const { code, stdout, stderr } = await cli(['side', '-p', pattern, '-t', 'all', '--broker', broker, '--dry-run']);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const listed = stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.trim());
      for (const target of targets) {
        expect(listed.filter((file) => file.startsWith(`${target.id}/`)).length, target.id).toBeGreaterThan(0);
      }
    },
  );

  it('--broker with a pattern it does not carry is a usage error for a target list too', async () => {
    const { code, stdout, stderr } = await cli(['side', '-p', 'fan-out', '-t', 'all', '--broker', 'redis']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^error: --broker redis does not apply to fan-out\nhint: /);
    expect(await fs.readdir(workDir)).toEqual([]);
  });

  it('--force writes into a non-empty directory, replacing only files with the same names', async () => {
    const directory = path.join(workDir, 'side');
    await fs.mkdir(path.join(directory, 'go'), { recursive: true });
    await fs.writeFile(path.join(directory, 'notes.txt'), 'mine');
    await fs.writeFile(path.join(directory, 'go', 'README.md'), 'old');
    expect((await cli(['side', '-p', 'fan-out', '-t', 'go,typescript'])).code).toBe(2);
    const { code } = await cli(['side', '-p', 'fan-out', '-t', 'go,typescript', '--force']);
    expect(code).toBe(0);
    expect(await fs.readFile(path.join(directory, 'notes.txt'), 'utf8')).toBe('mine');
    expect(await fs.readFile(path.join(directory, 'go', 'README.md'), 'utf8')).toContain('Fan-out');
  });

  it('a failure while writing any folder leaves the directory as it was', async () => {
    const directory = path.join(workDir, 'side');
    // A folder where the last target's README must go: the first folders are written before it fails.
    await fs.mkdir(path.join(directory, 'typescript', 'README.md'), { recursive: true });
    await fs.writeFile(path.join(directory, 'COMPARISON.md'), 'mine');
    const before = await tree(directory);
    const { code, stderr } = await cli(['side', '-p', 'worker-pool', '-t', 'all', '--force']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: could not write the project: .*\nhint: nothing was written/);
    expect(await tree(directory)).toEqual(before);
    expect(await fs.readFile(path.join(directory, 'COMPARISON.md'), 'utf8')).toBe('mine');
  });

  it('Ctrl-C after rendering, before writing, exits 130 and writes nothing', async () => {
    const { code, stderr } = await cli(['side', '-p', 'worker-pool', '-t', 'all'], {}, true);
    expect(code).toBe(130);
    expect(stderr).toBe('cancelled: nothing was written\n');
    expect(await fs.readdir(workDir)).toEqual([]);
  });

  it('--install installs in the folders that have dependencies, with the package manager that ran it', async () => {
    const bin = path.join(workDir, 'bin');
    await fs.mkdir(bin);
    const calls = path.join(workDir, 'calls.txt');
    await fs.writeFile(path.join(bin, 'pnpm'), `#!/bin/sh\necho "$PWD pnpm $*" >> "${calls}"\n`, { mode: 0o755 });
    const env = {
      PATH: `${bin}${path.delimiter}${process.env.PATH}`,
      npm_config_user_agent: 'pnpm/9.12.0 npm/? node/v20.19.0 linux x64',
    };
    const { code, stderr } = await cli(['side', '-p', 'timeout', '-t', 'all', '--install'], env);
    expect(code, stderr).toBe(0);
    const directory = path.join(workDir, 'side');
    expect((await fs.readFile(calls, 'utf8')).trim().split('\n')).toEqual([
      `${path.join(directory, 'typescript')} pnpm install`,
    ]);
    expect(stderr).toContain('Installing dependencies with pnpm in typescript/');
  });

  it('--git makes one repository at the top with one commit of everything', async () => {
    const identity = {
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    };
    const { code, stderr } = await cli(['side', '-p', 'timeout', '-t', 'go,typescript', '--git'], identity);
    expect(code, stderr).toBe(0);
    const directory = path.join(workDir, 'side');
    const log = await run('git', ['log', '--format=%s'], { cwd: directory });
    expect(log.stdout.trim()).toBe('Scaffold timeout on go, typescript');
    const listed = await run('git', ['ls-files'], { cwd: directory });
    expect(listed.stdout).toContain('go/go.mod');
    expect(listed.stdout).toContain('compare.html');
    expect((await run('git', ['status', '--porcelain'], { cwd: directory })).stdout).toBe('');
  });
});

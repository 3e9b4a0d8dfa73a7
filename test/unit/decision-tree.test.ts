// The decision tree of --recommend as data: every leaf reachable and sound,
// every figure it quotes present in docs/benchmarks.json, the prose claims
// that rest on figures still true of them, and the diagrams in the docs
// rendered from this very data.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import benchmarks from '../../docs/benchmarks.json' with { type: 'json' };
import { findTarget, targets } from '../../src/catalogue.js';
import {
  applyTreeBlocks,
  decisionTree,
  isLeaf,
  mermaidDiagram,
  paths,
  questions,
  walk,
  type Node,
  type QuestionId,
} from '../../src/decision-tree.js';
import { quoteFigure } from '../../src/figures.js';

const root = path.join(import.meta.dirname, '..', '..');

function branches(node: Node = decisionTree): Array<Exclude<Node, { target: string }>> {
  return isLeaf(node) ? [] : [node, ...branches(node.yes), ...branches(node.no)];
}

describe('the decision tree', () => {
  it('asks each question through the flag named after it, and uses every question', () => {
    for (const question of questions) expect(question.flag).toBe(`--${question.id}`);
    expect(new Set(branches().map((branch) => branch.question))).toEqual(new Set(questions.map((q) => q.id)));
  });

  it('never asks the same question twice on one path', () => {
    const visit = (node: Node, asked: QuestionId[]) => {
      if (isLeaf(node)) return;
      expect(asked).not.toContain(node.question);
      visit(node.yes, [...asked, node.question]);
      visit(node.no, [...asked, node.question]);
    };
    visit(decisionTree, []);
  });

  it('ends every path in a catalogue target, and recommends every target somewhere', () => {
    for (const { leaf } of paths()) expect(findTarget(leaf.target)?.id, leaf.target).toBe(leaf.target);
    expect(new Set(paths().map(({ leaf }) => leaf.target))).toEqual(new Set(targets.map((target) => target.id)));
  });

  it('gives each leaf a reason, a figure and alternatives that are other catalogue targets, each once', () => {
    for (const { leaf } of paths()) {
      expect(leaf.reason.length).toBeGreaterThan(40);
      expect(leaf.figures.length).toBeGreaterThan(0);
      const alternatives = leaf.alternatives.map((alternative) => alternative.target);
      expect(alternatives.length).toBeGreaterThan(0);
      expect(new Set(alternatives).size).toBe(alternatives.length);
      expect(alternatives).not.toContain(leaf.target);
      for (const alternative of leaf.alternatives) {
        expect(findTarget(alternative.target)?.id).toBe(alternative.target);
        expect(alternative.when).not.toMatch(/^\s*$|\n/);
      }
    }
  });

  it('reaches each leaf with exactly the answers on its path', () => {
    for (const { leaf, answers } of paths()) {
      const step = walk(answers);
      expect('leaf' in step && step.leaf).toBe(leaf);
      expect([...(step.path ?? [])].sort()).toEqual(Object.keys(answers).sort());
    }
  });

  it('names the first question a partial set of answers leaves open, and those that may follow', () => {
    expect(walk({})).toEqual({ open: 'cpu-bound', path: [], later: ['parallel', 'existing-async', 'simple'] });
    expect(walk({ 'cpu-bound': 'no' })).toEqual({
      open: 'existing-async',
      path: ['cpu-bound'],
      later: ['simple'],
    });
    expect(walk({ 'cpu-bound': 'no', 'existing-async': 'no' })).toEqual({
      open: 'simple',
      path: ['cpu-bound', 'existing-async'],
      later: [],
    });
  });
});

describe('the figures the tree quotes', () => {
  it('are rows of docs/benchmarks.json, quoted with their units', () => {
    for (const { leaf } of paths()) {
      for (const figure of leaf.figures) {
        expect(quoteFigure(figure)).toMatch(/\d[\d.,]* ?(µs|ms|s|B|KB|MB|×)\b/);
      }
    }
  });

  it('fail loudly when a row is missing', () => {
    expect(() => quoteFigure({ table: 'start', id: 'no-such-unit' })).toThrow(/no start row no-such-unit/);
  });

  // The reasons say a few things in words that rest on figures; a new run of the benchmarks must not make them false.
  it('still support the words of the reasons', () => {
    const start = (id: string) => benchmarks.start.find((row) => row.id === id)!.us;
    const parked = (id: string) => benchmarks.parked.find((row) => row.id === id)!.bytes_per_unit;
    expect(start('goroutine'), 'goroutines start in well under a microsecond').toBeLessThan(1);
    expect(parked('asyncio-task'), 'an asyncio task: about a kilobyte').toBeLessThan(2048);
    expect(parked('asyncio-task') * 4, 'a parked task: a fraction of a parked thread').toBeLessThan(parked('thread'));
    expect(parked('thread'), 'a parked thread: kilobytes, not megabytes').toBeLessThan(1024 * 1024);
    for (const scenario of benchmarks.http.scenarios) {
      const least = [...scenario.rows].sort((a, b) => a.cpu_s - b.cpu_s)[0]!;
      expect(least.id, `net/http used the least CPU, ${scenario.workers} connections`).toBe('go');
    }
    const keepAlive = benchmarks.http.scenarios.find((scenario) => scenario.workers !== benchmarks.http.requests)!;
    const byCpu = [...keepAlive.rows].sort((a, b) => a.cpu_s - b.cpu_s).map((row) => row.id);
    expect(byCpu.slice(0, 2), 'asyncio streams came closest to Go').toEqual(['go', 'asyncio']);
  });
});

describe('the diagrams in the docs', () => {
  const docs = ['README.md', 'docs/choosing.md'];

  it.each(docs)('%s holds the diagram rendered from the tree (npm run docs:tree)', async (relative) => {
    const file = path.join(root, relative);
    const committed = readFileSync(file, 'utf8');
    expect(committed).toContain(mermaidDiagram());
    const rendered = await prettier.format(applyTreeBlocks(committed, relative), {
      ...(await prettier.resolveConfig(file)),
      filepath: file,
    });
    expect(rendered, 'the committed diagram differs from src/decision-tree.ts: run npm run docs:tree').toBe(committed);
  });

  it('a diagram that differs from the data is rendered anew', () => {
    const stale = [
      '<!-- decision-tree:diagram -->',
      '',
      '```mermaid',
      'flowchart TD',
      '  q1{"Need true parallelism?"}',
      '```',
      '',
      '<!-- /decision-tree:diagram -->',
    ].join('\n');
    expect(applyTreeBlocks(stale, 'stale.md')).toContain(mermaidDiagram());
    expect(() => applyTreeBlocks('<!-- decision-tree:nope -->\n<!-- /decision-tree:nope -->', 'x.md')).toThrow(
      /unknown decision-tree block nope/,
    );
  });

  it('draws every question once per branch and every leaf, with a yes and a no edge from each question', () => {
    const diagram = mermaidDiagram();
    const nodes = diagram.split('\n').filter((line) => /^\s+\w+[{[]/.test(line));
    expect(nodes).toHaveLength(branches().length + paths().length);
    expect(diagram.match(/ -- yes --> /g)).toHaveLength(branches().length);
    expect(diagram.match(/ -- no --> /g)).toHaveLength(branches().length);
    for (const { leaf } of paths()) expect(diagram).toContain(`<b>${leaf.target}</b><br/>${leaf.headline}`);
  });
});

describe('what changed since the article', () => {
  const said = paths()
    .flatMap(({ leaf }) => [leaf.reason, ...leaf.alternatives.map((alternative) => alternative.when)])
    .join('\n');

  it('knows free-threaded Python: 3.13t experimental, 3.14t supported (PEP 779)', () => {
    expect(said).toMatch(/3\.13t[^.;]*experimental/);
    expect(said).toMatch(/3\.14t[^.;]*supported/);
    expect(said).toContain('PEP 779');
  });

  it("knows Node's worker_threads, Go's container-aware GOMAXPROCS and Python 3.14's forkserver default", () => {
    expect(said).toContain('worker_threads');
    expect(said).toMatch(/Go 1\.25, GOMAXPROCS follows the CPU limit of the container/);
    expect(said).toMatch(/Python 3\.14 the default start method on Linux and other POSIX systems is forkserver/);
    expect(said).toContain('macOS stays on spawn');
  });

  // GOMAXPROCS caps the goroutines running Go code at once, not the threads a program has.
  it('says what container-aware GOMAXPROCS limits, and under which conditions', () => {
    expect(said).not.toMatch(/more threads than it has cores/);
    expect(said).toContain(
      "no more goroutines run in parallel than the container's CPU quota allows, which avoids throttling (Linux; go.mod go ≥ 1.25; GOMAXPROCS unset)",
    );
  });

  // Only spawn imports the main module in every child; a forkserver imports it once and forks.
  it('does not say every forkserver child imports the main module again, here or in the docs', () => {
    const multiprocessing = readFileSync(
      path.join(root, 'templates', 'python-multiprocessing', '_compare.md.ejs'),
      'utf8',
    );
    const choosing = readFileSync(path.join(root, 'docs', 'choosing.md'), 'utf8');
    for (const [where, text] of [
      ['the tree', said],
      ['docs/choosing.md', choosing],
    ] as const) {
      expect(text.replace(/\s+/g, ' '), where).not.toMatch(
        /forkserver( or spawn|[^.]*\): ) ?every child imports the main module again/,
      );
    }
    for (const [where, text] of [
      ['the multiprocessing comparison', multiprocessing],
      ['docs/choosing.md', choosing],
    ] as const) {
      expect(text.replace(/\s+/g, ' '), `${where}: macOS stays on spawn`).not.toMatch(/default start method on POSIX/);
    }
  });
});

describe('the I/O-bound go leaf', () => {
  const goLeaf = paths().find(
    ({ leaf }) => leaf.target === 'go' && leaf.figures.some((f) => f.table === 'http-each'),
  )!.leaf;
  const atScale = benchmarks.http.scenarios.find((scenario) => scenario.workers === benchmarks.http.requests)!;

  it('claims the least CPU, not cheap waiting, where Go held the most memory of the Python and Go clients', () => {
    const rss = (id: string) => atScale.rows.find((row) => row.id === id)!.rss_mb;
    expect(`${goLeaf.headline} ${goLeaf.reason}`).not.toMatch(/cheaply/i);
    expect(goLeaf.headline).toContain('least CPU per request');
    if (rss('go') > Math.min(rss('threads'), rss('asyncio'))) {
      expect(goLeaf.reason, 'the memory trade-off is stated').toMatch(/trade-off is memory/);
      const quoted = goLeaf.figures.filter((figure) => figure.table === 'http-each').map((figure) => figure.id);
      expect(quoted, 'and the figures behind it are quoted').toEqual(
        expect.arrayContaining(['go', 'threads', 'asyncio']),
      );
    }
  });
});

// The decision tree of --recommend, as data: its questions, the target each
// path leads to, why, the measured figures behind it and the alternatives.
// The command, its --help, the mermaid diagram in README.md and
// docs/choosing.md, and the tests all derive from it.
//
// It grew from the tree at the end of the article this product started from
// (docs/choosing.md, "The article's claims", point 7 says what was wrong with
// it): CPU-bound is asked before parallelism, because only computation needs
// more than one core; every branch ends in a target; "simple" no longer
// means Go; Node, free-threaded Python, Go's container-aware GOMAXPROCS and
// Python 3.14's forkserver default are known.

export type QuestionId = 'cpu-bound' | 'parallel' | 'existing-async' | 'simple';
export type Answer = 'yes' | 'no';
export type Answers = Partial<Readonly<Record<QuestionId, Answer>>>;

export interface Question {
  readonly id: QuestionId;
  /** The command-line flag that answers it: `--${id}`. */
  readonly flag: string;
  /** Asked on a terminal. */
  readonly prompt: string;
  /** A few words, for the diagram. */
  readonly label: string;
}

/** The figures quoted are rows of docs/benchmarks.json, named by table and row id. */
export type FigureTable = 'handoff' | 'start' | 'cpu' | 'parked' | 'http-keepalive' | 'http-each';
export interface FigureRef {
  readonly table: FigureTable;
  readonly id: string;
}

export interface Alternative {
  /** A target id of the catalogue. */
  readonly target: string;
  /** When it is the better choice, in one sentence. */
  readonly when: string;
}

export interface Leaf {
  readonly target: string;
  /** A few words, for the diagram and the first line of the recommendation. */
  readonly headline: string;
  readonly reason: string;
  readonly figures: readonly FigureRef[];
  readonly alternatives: readonly Alternative[];
}

export interface Branch {
  readonly question: QuestionId;
  readonly yes: Node;
  readonly no: Node;
}

export type Node = Branch | Leaf;

export const questions: readonly Question[] = [
  {
    id: 'cpu-bound',
    flag: '--cpu-bound',
    prompt: 'Is the work mostly computation (CPU-bound), rather than waiting on the network, disk or timers?',
    label: 'CPU-bound?',
  },
  {
    id: 'parallel',
    flag: '--parallel',
    prompt: 'Must the computation run on several cores at once to be fast enough?',
    label: 'on several cores at once?',
  },
  {
    id: 'existing-async',
    flag: '--existing-async',
    prompt: 'Does the code base already use async/await?',
    label: 'code already async?',
  },
  {
    id: 'simple',
    flag: '--simple',
    prompt: 'Do you want the simplest model that does the job, rather than the most efficient one?',
    label: 'simplest over most efficient?',
  },
];

const startCosts: readonly FigureRef[] = [
  { table: 'start', id: 'goroutine' },
  { table: 'start', id: 'process-forkserver' },
];

export const decisionTree: Node = {
  question: 'cpu-bound',
  yes: {
    question: 'parallel',
    yes: {
      question: 'existing-async',
      yes: {
        target: 'typescript',
        headline: 'worker_threads beside the event loop',
        reason:
          'Computation on every core next to async code: `worker_threads` run JavaScript in parallel, each thread on its own core, while the event loop goes on serving I/O; the generated project runs `--work cpu` jobs on a pool of them.',
        figures: [
          { table: 'start', id: 'worker-thread' },
          { table: 'handoff', id: 'worker-message' },
        ],
        alternatives: [
          {
            target: 'python-multiprocessing',
            when: 'the async code is Python: hand the computation from asyncio to a process pool (`loop.run_in_executor` with a `ProcessPoolExecutor`), never to `asyncio.to_thread`, whose thread takes turns with the loop under the GIL',
          },
          {
            target: 'go',
            when: 'the service is new: goroutines do the waiting and the computing in one model, on every core',
          },
        ],
      },
      no: {
        question: 'simple',
        yes: {
          target: 'python-multiprocessing',
          headline: 'a process pool: Python on every core',
          reason:
            'Python code on every core, written as plain blocking functions: each worker is a process with its own interpreter and GIL. Jobs and results are pickled across, and since Python 3.14 the default start method on Linux and other POSIX systems is forkserver (macOS stays on spawn, Windows has only spawn): the forkserver imports the main module once and its children inherit it (under spawn every child imports it again), so the `if __name__ == "__main__":` guard is required either way.',
          figures: [
            { table: 'start', id: 'process-forkserver' },
            { table: 'start', id: 'process-spawn' },
            { table: 'handoff', id: 'process-pipe' },
          ],
          alternatives: [
            {
              target: 'python-threading',
              when: 'the hot loop is in a C extension that releases the GIL (hashlib, zlib, NumPy), or you run a free-threaded build (3.14t, officially supported since 3.14 by PEP 779; 3.13t was experimental) with libraries that support it: threads then compute in parallel with nothing pickled',
            },
            {
              target: 'go',
              when: 'the cost per job matters more than staying in Python: goroutines start in well under a microsecond and share memory',
            },
            { target: 'typescript', when: 'the code base is Node: a `worker_threads` pool' },
          ],
        },
        no: {
          target: 'go',
          headline: 'goroutines: parallel without processes',
          reason:
            "Parallel computation without processes: goroutines run on every core the process may use, share memory (guarded by channels or a mutex, checked by `go test -race`) and cost next to nothing to start. Since Go 1.25, GOMAXPROCS follows the CPU limit of the container (cgroup) the program runs in, so no more goroutines run in parallel than the container's CPU quota allows, which avoids throttling (Linux; go.mod go ≥ 1.25; GOMAXPROCS unset).",
          figures: [...startCosts, { table: 'handoff', id: 'go-channel' }],
          alternatives: [
            {
              target: 'python-multiprocessing',
              when: 'the code base is Python and a new language is not worth it: a process pool runs Python on every core',
            },
            {
              target: 'python-threading',
              when: 'a free-threaded Python (3.14t, supported by PEP 779), or a C extension that releases the GIL, computes on threads',
            },
          ],
        },
      },
    },
    no: {
      target: 'python-threading',
      headline: 'a worker thread: one core is enough',
      reason:
        'The computation needs one core, not several: a worker thread runs it while the other threads go on waiting for I/O. Under the GIL Python threads take turns on one core, which is all this work needs; on a free-threaded build (3.13t experimental, 3.14t supported) the same code can later use more cores.',
      figures: [{ table: 'cpu', id: 'python-threads' }],
      alternatives: [
        {
          target: 'typescript',
          when: 'the code base is Node: compute in a `worker_threads` thread, or the event loop stops serving everything else',
        },
        {
          target: 'python-asyncio',
          when: 'the code base is asyncio: `asyncio.to_thread` keeps the loop responsive, taking turns with it under the GIL',
        },
        { target: 'go', when: 'the code base is Go: a goroutine per job' },
      ],
    },
  },
  no: {
    question: 'existing-async',
    yes: {
      target: 'python-asyncio',
      headline: 'keep the event loop',
      reason:
        'The code is already async and the work is waiting: one thread and one event loop hold thousands of waits at about a kilobyte each, `TaskGroup` gathers errors, and `asyncio.timeout` cancels at any `await`.',
      figures: [
        { table: 'parked', id: 'asyncio-task' },
        { table: 'http-keepalive', id: 'asyncio' },
      ],
      alternatives: [
        { target: 'typescript', when: 'the async code is Node: promises and `AbortSignal`, the same model' },
        {
          target: 'python-threading',
          when: 'a library on the path has no async version: run it in threads (`asyncio.to_thread`), or stay with threads',
        },
      ],
    },
    no: {
      question: 'simple',
      yes: {
        target: 'python-threading',
        headline: 'threads: blocking code unchanged',
        reason:
          'Waiting, in plain blocking code: a `ThreadPoolExecutor` and the libraries you already use, unchanged. A thread blocked on I/O lets go of the GIL at once, and a parked thread costs kilobytes of resident memory, not the 8 MB of stack it reserves: fine for hundreds, even a few thousand, waits at once.',
        figures: [
          { table: 'parked', id: 'thread' },
          { table: 'http-keepalive', id: 'threads' },
        ],
        alternatives: [
          {
            target: 'python-asyncio',
            when: 'there are tens of thousands of waits at once, or the libraries are async: a parked task costs a fraction of a parked thread',
          },
          { target: 'go', when: 'the service is new and the cost per request matters' },
        ],
      },
      no: {
        target: 'go',
        headline: 'goroutines: the least CPU per request',
        reason:
          'The least CPU per request: `net/http` used the least CPU of the clients measured, with 100 connections and with 10,000. The trade-off is memory: at 10,000 connections the Go client held more memory than the Python clients, threads and asyncio alike (the figures below); tens of thousands of goroutines are still routine at a few kilobytes of stack each. Since Go 1.25, GOMAXPROCS follows the CPU limit of the container it runs in.',
        figures: [
          { table: 'parked', id: 'goroutine' },
          { table: 'http-keepalive', id: 'go' },
          { table: 'http-each', id: 'go' },
          // The memory trade-off the reason states, measured.
          { table: 'http-each', id: 'threads' },
          { table: 'http-each', id: 'asyncio' },
        ],
        alternatives: [
          {
            target: 'python-asyncio',
            when: 'the code base is Python and can go async: asyncio streams came closest to Go in the HTTP tables',
          },
          { target: 'typescript', when: 'the code base is Node' },
        ],
      },
    },
  },
};

export const isLeaf = (node: Node): node is Leaf => 'target' in node;

export function findQuestion(id: QuestionId): Question {
  return questions.find((question) => question.id === id)!;
}

/** Where the answers lead: a leaf, or the first question on the path that they leave open. */
export type Walk =
  | { readonly leaf: Leaf; readonly path: readonly QuestionId[] }
  | { readonly open: QuestionId; readonly path: readonly QuestionId[]; readonly later: readonly QuestionId[] };

export function walk(answers: Answers): Walk {
  const path: QuestionId[] = [];
  let node = decisionTree;
  while (!isLeaf(node)) {
    const answer = answers[node.question];
    if (answer === undefined) return { open: node.question, path, later: questionsBelow(node, node.question) };
    path.push(node.question);
    node = node[answer];
  }
  return { leaf: node, path };
}

/** The questions that may still be asked under `node`, in asking order, `except` left out. */
function questionsBelow(node: Node, except: QuestionId): QuestionId[] {
  const found = new Set<QuestionId>();
  const visit = (current: Node) => {
    if (isLeaf(current)) return;
    found.add(current.question);
    visit(current.yes);
    visit(current.no);
  };
  visit(node);
  found.delete(except);
  return questions.map((question) => question.id).filter((id) => found.has(id));
}

/** Every leaf with the answers that reach it, in the tree's order (yes before no). */
export function paths(): Array<{ leaf: Leaf; answers: Answers }> {
  const found: Array<{ leaf: Leaf; answers: Answers }> = [];
  const visit = (node: Node, answers: Answers) => {
    if (isLeaf(node)) {
      found.push({ leaf: node, answers });
      return;
    }
    visit(node.yes, { ...answers, [node.question]: 'yes' });
    visit(node.no, { ...answers, [node.question]: 'no' });
  };
  visit(decisionTree, {});
  return found;
}

/** The answers as flags, in asking order: `--cpu-bound yes --parallel no`. */
export function answerFlags(answers: Answers): string {
  return questions
    .filter((question) => answers[question.id] !== undefined)
    .map((question) => `${question.flag} ${answers[question.id]}`)
    .join(' ');
}

/** The tree as a mermaid flowchart, for README.md and docs/choosing.md. */
export function mermaidDiagram(): string {
  const lines = ['flowchart TD'];
  const text = (value: string) => value.replaceAll('"', '#quot;');
  let questionCount = 0;
  let leafCount = 0;
  const visit = (node: Node): string => {
    if (isLeaf(node)) {
      const id = `leaf${++leafCount}`;
      lines.push(`  ${id}["<b>${node.target}</b><br/>${text(node.headline)}"]`);
      return id;
    }
    const id = `q${++questionCount}`;
    const question = findQuestion(node.question);
    lines.push(`  ${id}{"${text(question.label)}<br/>${question.flag}"}`);
    const yes = visit(node.yes);
    const no = visit(node.no);
    lines.push(`  ${id} -- yes --> ${yes}`, `  ${id} -- no --> ${no}`);
    return id;
  };
  visit(decisionTree);
  return ['```mermaid', ...lines, '```'].join('\n');
}

/** Every path as a list item: the flags, the target and why, then the alternatives. */
export function pathsList(): string {
  return paths()
    .map(({ leaf, answers }) => {
      const alternatives = leaf.alternatives
        .map((alternative) => `\`${alternative.target}\` when ${alternative.when}`)
        .join('; ');
      return `- \`--recommend ${answerFlags(answers)}\` → **\`${leaf.target}\`**: ${leaf.reason} Otherwise: ${alternatives}.`;
    })
    .join('\n');
}

/** The renderings the docs hold, by the name of their markers: `<!-- decision-tree:NAME -->`. */
export function treeBlocks(): Record<string, string> {
  return { diagram: mermaidDiagram(), paths: pathsList() };
}

/**
 * Replaces every `<!-- decision-tree:NAME -->…<!-- /decision-tree:NAME -->`
 * block of `text` with its rendering; throws on a name it does not know.
 */
export function applyTreeBlocks(text: string, file: string): string {
  const blocks = treeBlocks();
  return text.replace(/<!-- decision-tree:([\w-]+) -->\n[\s\S]*?<!-- \/decision-tree:\1 -->/g, (_, name: string) => {
    const body = blocks[name];
    if (body === undefined) throw new Error(`${file}: unknown decision-tree block ${name}`);
    return `<!-- decision-tree:${name} -->\n\n${body}\n\n<!-- /decision-tree:${name} -->`;
  });
}

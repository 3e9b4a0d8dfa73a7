// The catalogue: every pattern and target the scaffolder knows, as data.
// Prompts, --help, --list, validation, the generator and the test matrix are
// all derived from it. Adding a pattern or a target means one entry here and
// one folder under templates/.

export type LanguageId = 'go' | 'python' | 'typescript';

/** The oldest toolchain every generated project of a language supports (SPEC §4). */
export const minimumVersions: Readonly<Record<LanguageId, string>> = {
  go: 'Go 1.25',
  python: 'Python 3.11',
  typescript: 'Node.js 20.19',
};

/** The generated program's defaults that differ by pattern, shown in its README. */
export interface ProgramDefaults {
  /** Defaults of --jobs and --work-ms; every other flag has one default for all patterns. */
  readonly defaultJobs: number;
  readonly defaultWorkMs: number;
}

export interface Pattern {
  readonly id: string;
  readonly title: string;
  /** One line, shown in prompts, --list and the generated README. */
  readonly summary: string;
  /** Other spellings accepted by --pattern. */
  readonly aliases: readonly string[];
  readonly program: ProgramDefaults;
}

/** A command as an argument vector, so that nothing goes through a shell. */
export type Command = readonly string[];

export interface Target {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  /** Other spellings accepted by --target. */
  readonly aliases: readonly string[];
  readonly language: LanguageId;
  /** The default of --work; a target whose default is cpu supports CPU work in every pattern. */
  readonly defaultWork: 'io' | 'cpu';
  /** Template folders under templates/, applied in order before the pattern's own. */
  readonly layers: readonly string[];
  /** The patterns whose templates exist for this target. */
  readonly patterns: readonly string[];
  /** Commands run in the generated project; `{package}` is its import name. */
  readonly commands: {
    /** Installs dependencies; absent where nothing needs installing. */
    readonly install?: Command;
    /**
     * Installs the pinned test runner and judges where `install` does not,
     * in a form the minimum version's own tools accept.
     */
    readonly devTools?: Command;
    /** Builds what `program` runs; absent where nothing needs building. */
    readonly build?: Command;
    /** How a user runs the program from source; flags are appended. */
    readonly run: Command;
    /** Runs the built program (after `build`); flags are appended. */
    readonly program: Command;
    /** The project's own tests. */
    readonly test: Command;
    /** Formatters, linters and type checkers that must pass. */
    readonly checks: readonly Command[];
    /** Prints the benchmark figures. */
    readonly bench: Command;
  };
}

export const patterns: readonly Pattern[] = [
  {
    id: 'fan-out',
    aliases: ['fanout', 'fan-in', 'scatter-gather'],
    title: 'Fan-out / fan-in',
    summary: 'start every task at once, then gather all results and errors',
    program: {
      defaultJobs: 3,
      defaultWorkMs: 1000,
    },
  },
  {
    id: 'producer-consumer',
    aliases: ['pc', 'queue'],
    title: 'Producer-consumer',
    summary: 'a producer feeds a bounded buffer that several consumers drain',
    program: {
      defaultJobs: 5,
      defaultWorkMs: 500,
    },
  },
  {
    id: 'worker-pool',
    aliases: ['pool', 'workers'],
    title: 'Worker pool',
    summary: 'a fixed number of workers process a stream of jobs',
    program: {
      defaultJobs: 5,
      defaultWorkMs: 500,
    },
  },
  {
    id: 'timeout',
    aliases: ['deadline'],
    title: 'Timeout',
    summary: 'give each operation a deadline and really cancel it when it passes',
    program: {
      defaultJobs: 1,
      defaultWorkMs: 2000,
    },
  },
  {
    id: 'graceful-stop',
    aliases: ['graceful-shutdown', 'shutdown'],
    title: 'Graceful stop',
    summary: 'a long-running service that drains in-flight work on SIGTERM or Ctrl-C',
    program: {
      defaultJobs: 0,
      defaultWorkMs: 500,
    },
  },
];

const allPatterns = patterns.map((pattern) => pattern.id);

/**
 * The Python projects' pinned dev tools, also their pyproject.toml's `dev`
 * group. Python 3.11's pip cannot install a dependency group, so the README
 * installs them by name.
 */
const pythonDevTools = ['mypy==2.4.1', 'pytest==9.2.0', 'ruff==0.17.6'];

const pythonCommands: Target['commands'] = {
  devTools: ['python3', '-m', 'pip', 'install', ...pythonDevTools],
  run: ['python3', '-m', '{package}'],
  program: ['python3', '-m', '{package}'],
  test: ['python3', '-X', 'dev', '-W', 'error', '-m', 'pytest'],
  checks: [
    ['ruff', 'check', '.'],
    ['ruff', 'format', '--check', '.'],
    ['mypy', '--strict', '{package}', 'tests'],
  ],
  bench: ['python3', '-m', '{package}.bench'],
};

export const targets: readonly Target[] = [
  {
    id: 'python-asyncio',
    aliases: ['asyncio'],
    title: 'Python asyncio',
    summary: 'one thread, an event loop, TaskGroup and asyncio.timeout: for I/O-bound work',
    language: 'python',
    defaultWork: 'io',
    layers: ['python/_shared', 'python-asyncio/_shared'],
    patterns: allPatterns,
    commands: pythonCommands,
  },
  {
    id: 'python-threading',
    aliases: ['threading', 'threads'],
    title: 'Python threading',
    summary: 'OS threads, ThreadPoolExecutor and queue.Queue: blocking I/O, one core for Python code (the GIL)',
    language: 'python',
    defaultWork: 'io',
    layers: ['python/_shared', 'python-threading/_shared'],
    patterns: allPatterns,
    commands: pythonCommands,
  },
  {
    id: 'python-multiprocessing',
    aliases: ['multiprocessing', 'processes'],
    title: 'Python multiprocessing',
    summary: 'a process pool (spawn or forkserver): CPU-bound Python on every core',
    language: 'python',
    defaultWork: 'cpu',
    layers: ['python/_shared', 'python-multiprocessing/_shared'],
    patterns: allPatterns,
    commands: pythonCommands,
  },
  {
    id: 'go',
    aliases: ['golang'],
    title: 'Go',
    summary: 'goroutines, channels and context: I/O and CPU work on every core',
    language: 'go',
    defaultWork: 'io',
    layers: ['go/_shared'],
    patterns: allPatterns,
    commands: {
      build: ['go', 'build', '-o', '{package}', '.'],
      run: ['go', 'run', '.'],
      program: ['./{package}'],
      test: ['go', 'test', '-race', '-timeout', '2m', './...'],
      checks: [
        ['gofmt', '-l', '.'],
        ['go', 'vet', './...'],
      ],
      bench: ['go', 'test', '-run', '^$', '-bench', '.', './...'],
    },
  },
  {
    id: 'typescript',
    aliases: ['ts', 'node'],
    title: 'TypeScript on Node',
    summary: 'promises, AbortSignal and worker_threads: an event loop plus a CPU pool',
    language: 'typescript',
    defaultWork: 'io',
    layers: ['typescript/_shared'],
    patterns: allPatterns,
    commands: {
      install: ['npm', 'install'],
      build: ['npm', 'run', 'build'],
      run: ['npm', 'start', '--'],
      program: ['node', 'dist/main.js'],
      test: ['npm', 'test'],
      checks: [
        ['npm', 'run', 'typecheck'],
        ['npm', 'run', 'format:check'],
      ],
      bench: ['npm', 'run', 'bench'],
    },
  },
];

/**
 * A broker that carries a pattern's jobs between processes and machines
 * (SPEC §8). Its templates are a `_broker-<id>` folder inside each layer they
 * change, applied after the layer itself.
 */
export interface Broker {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  /** The patterns that have a distributed form with this broker, in every target. */
  readonly patterns: readonly string[];
  /**
   * Its client in each language, pinned: the one runtime dependency of its
   * projects (SPEC §8), with the client's own optional extras (`extras`, pip
   * only). Python's is a pip requirement, which scripts/ensure-toolchains.mjs
   * also installs for the tests.
   */
  readonly clients: Readonly<Record<LanguageId, BrokerClient>>;
}

export interface BrokerClient {
  readonly name: string;
  readonly version: string;
  readonly extras?: readonly string[];
}

/** A Python client as pip takes it: `redis[hiredis]==8.1.0`. */
export function pipRequirement(client: BrokerClient): string {
  const extras = client.extras?.length ? `[${client.extras.join(',')}]` : '';
  return `${client.name}${extras}==${client.version}`;
}

export const brokers: readonly Broker[] = [
  {
    id: 'redis',
    title: 'Redis Streams',
    summary: 'jobs carried by a Redis Stream and a consumer group: producers and workers on many machines',
    patterns: ['producer-consumer', 'worker-pool', 'graceful-stop'],
    clients: {
      go: { name: 'github.com/redis/go-redis/v9', version: 'v9.22.0' },
      // hiredis: the client's C reply parser, used when installed; it halves
      // the CPU a no-op job costs a worker (docs/broker.md, Throughput).
      python: { name: 'redis', version: '8.1.0', extras: ['hiredis'] },
      typescript: { name: 'redis', version: '6.3.1' },
    },
  },
];

/** The broker with this id. */
export function findBroker(id: string): Broker | undefined {
  return brokers.find((broker) => broker.id === id);
}

/** The template folder of `broker` inside `layer`. */
export function brokerLayer(layer: string, broker: Broker): string {
  return `${layer}/_broker-${broker.id}`;
}

/** The pattern with this id or alias. */
export function findPattern(id: string): Pattern | undefined {
  return patterns.find((pattern) => pattern.id === id || pattern.aliases.includes(id));
}

/** The target with this id or alias. */
export function findTarget(id: string): Target | undefined {
  return targets.find((target) => target.id === id || target.aliases.includes(id));
}

/** Every pattern × target pair whose templates exist, in catalogue order. */
export function combinations(): Array<{ pattern: Pattern; target: Target }> {
  return targets.flatMap((target) =>
    patterns.filter((pattern) => target.patterns.includes(pattern.id)).map((pattern) => ({ pattern, target })),
  );
}

/** Every form a project can take: each combination, and each with a broker that carries its pattern. */
export function projectForms(): Array<{ pattern: Pattern; target: Target; broker?: Broker }> {
  return combinations().flatMap((combination) => [
    combination,
    ...brokers
      .filter((broker) => broker.patterns.includes(combination.pattern.id))
      .map((broker) => ({ ...combination, broker })),
  ]);
}

/**
 * The component's module name: the pattern's id cased as the language
 * expects (Go package `workerpool`, Python module `worker_pool`, TypeScript
 * file `worker-pool`). The glossary in templates/README.md states the rule.
 */
export function componentModule(patternId: string, language: LanguageId): string {
  switch (language) {
    case 'go':
      return patternId.replaceAll('-', '');
    case 'python':
      return patternId.replaceAll('-', '_');
    case 'typescript':
      return patternId;
  }
}

/** Where a project keeps what the README points to, relative to its root (the glossary's paths). */
export interface ProjectLayout {
  readonly component: string;
  readonly outcome: string;
  readonly program: string;
  readonly harness: string;
}

export function projectLayout(patternId: string, language: LanguageId, packageName: string): ProjectLayout {
  const module = componentModule(patternId, language);
  switch (language) {
    case 'go':
      return {
        component: `${module}/${module}.go`,
        outcome: `${module}/outcome.go`,
        program: 'main.go',
        harness: 'internal/harness',
      };
    case 'python':
      return {
        component: `${packageName}/${module}.py`,
        outcome: `${packageName}/outcome.py`,
        program: `${packageName}/__main__.py`,
        harness: `${packageName}/harness`,
      };
    case 'typescript':
      return {
        component: `src/${module}.ts`,
        outcome: 'src/outcome.ts',
        program: 'src/main.ts',
        harness: 'src/harness',
      };
  }
}

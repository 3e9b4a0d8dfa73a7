// The checker judged against synthetic traces: good ones must pass, and each
// kind of broken trace must be reported. Needs no toolchain.
import { describe, expect, test } from 'vitest';
import { type Pattern, effectiveOptions } from './contract.js';
import { type RunToCheck, checkTrace } from './checker.js';

type Fields = Record<string, unknown>;

/** Writes events the way a conforming program would, one compact line each. */
class TraceWriter {
  readonly lines: string[] = [];
  private clock = 0;
  private inFlight = 0;
  private maxInFlight = 0;
  private readonly counts = { submitted: 0, completed: 0, failed: 0, timed_out: 0, cancelled: 0 };

  constructor(
    readonly pattern: Pattern,
    readonly target = 'go',
  ) {}

  raw(line: string): this {
    this.lines.push(line);
    return this;
  }

  private write(event: string, job: number | undefined, worker: number | undefined, extra: Fields = {}): this {
    this.clock += 1.5;
    const fields: Fields = { event };
    if (job !== undefined) fields.job = job;
    if (worker !== undefined) fields.worker = worker;
    fields.t_ms = this.clock;
    return this.raw(JSON.stringify({ ...fields, ...extra }));
  }

  start(job: number, worker?: number): this {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    if (this.pattern !== 'producer-consumer') this.counts.submitted++;
    return this.write('start', job, worker);
  }
  done(job: number, worker?: number): this {
    this.inFlight--;
    this.counts.completed++;
    return this.write('done', job, worker, { result: job * 2 });
  }
  fail(job: number, worker?: number): this {
    this.inFlight--;
    this.counts.failed++;
    return this.write('fail', job, worker, { error: 'injected failure' });
  }
  timeout(job: number): this {
    this.inFlight--;
    this.counts.timed_out++;
    return this.write('timeout', job, undefined);
  }
  /** `started`: whether the job was between start and terminal. */
  cancel(job: number, worker?: number, started = true): this {
    if (started) this.inFlight--;
    else if (this.pattern !== 'producer-consumer') this.counts.submitted++;
    this.counts.cancelled++;
    return this.write('cancel', job, worker);
  }
  produce(job: number): this {
    this.counts.submitted++;
    return this.write('produce', job, undefined);
  }
  consume(job: number, worker: number): this {
    return this.write('consume', job, worker);
  }
  ready(): this {
    return this.write('ready', undefined, undefined);
  }
  stopping(signal = 'SIGTERM'): this {
    this.clock += 1.5;
    return this.raw(JSON.stringify({ event: 'stopping', signal, t_ms: this.clock }));
  }
  summary(overrides: Fields = {}): this {
    return this.raw(
      JSON.stringify({
        event: 'summary',
        pattern: this.pattern,
        target: this.target,
        ...this.counts,
        max_concurrency: this.maxInFlight,
        elapsed_ms: this.clock + 1,
        ...overrides,
      }),
    );
  }
  get stdout(): string {
    return this.lines.map((line) => `${line}\n`).join('');
  }
}

function check(trace: TraceWriter, args: string[], run: Partial<RunToCheck> = {}) {
  const options = effectiveOptions(trace.pattern, trace.target, [...args, '--json']);
  return checkTrace({
    stdout: trace.stdout,
    pattern: trace.pattern,
    target: trace.target,
    options,
    exitCode: 0,
    signalsDelivered: 0,
    ...run,
  }).problems;
}

function workerPool(jobs = 4): TraceWriter {
  // Two workers, jobs 1..N, in rounds.
  const trace = new TraceWriter('worker-pool');
  for (let job = 1; job <= jobs; job += 2) {
    trace.start(job, 1);
    if (job + 1 <= jobs) trace.start(job + 1, 2);
    trace.done(job, 1);
    if (job + 1 <= jobs) trace.done(job + 1, 2);
  }
  return trace;
}
const WORKER_POOL_ARGS = ['--jobs', '4', '--workers', '2'];

function producerConsumer(): TraceWriter {
  const trace = new TraceWriter('producer-consumer');
  trace.produce(1).produce(2).consume(1, 1).start(1, 1).produce(3).consume(2, 2).start(2, 2);
  trace.done(1, 1).consume(3, 1).start(3, 1).done(2, 2).done(3, 1);
  return trace;
}
const PRODUCER_CONSUMER_ARGS = ['--jobs', '3', '--workers', '2', '--buffer', '1'];

describe('good traces pass', () => {
  test('worker-pool', () => {
    expect(check(workerPool().summary(), WORKER_POOL_ARGS)).toEqual([]);
  });

  test('producer-consumer', () => {
    expect(check(producerConsumer().summary(), PRODUCER_CONSUMER_ARGS)).toEqual([]);
  });

  test('fan-out with a failing job', () => {
    const trace = new TraceWriter('fan-out', 'python-asyncio').start(1).start(2).start(3).done(1).fail(3).done(2);
    expect(check(trace.summary(), ['--jobs', '3', '--fail-every', '3'], { exitCode: 1 })).toEqual([]);
  });

  test('timeout with one operation timed out', () => {
    const trace = new TraceWriter('timeout').start(1).timeout(1);
    expect(check(trace.summary(), [])).toEqual([]);
  });

  test('graceful-stop whose drain deadline cancels the jobs', () => {
    const trace = new TraceWriter('graceful-stop').ready().start(1, 1).start(2, 2).stopping().cancel(1, 1).cancel(2, 2);
    expect(check(trace.summary(), ['--workers', '2'], { exitCode: 1, signalsDelivered: 1 })).toEqual([]);
  });

  test('graceful-stop: a worker that took its job just as the signal came', () => {
    const trace = new TraceWriter('graceful-stop')
      .ready()
      .start(1, 1)
      .stopping('SIGINT')
      .start(2, 2)
      .done(1, 1)
      .done(2, 2);
    expect(check(trace.summary(), ['--workers', '2'], { signalsDelivered: 1 })).toEqual([]);
  });

  test('a second signal may leave the run without a summary', () => {
    const trace = new TraceWriter('graceful-stop').ready().start(1, 1).stopping();
    expect(check(trace, [], { exitCode: 130, signalsDelivered: 2, allowIncomplete: true })).toEqual([]);
  });

  test('worker-pool cancelled by a signal: in-flight and waiting jobs cancelled, exit 130', () => {
    const trace = new TraceWriter('worker-pool').start(1, 1).start(2, 2).cancel(1, 1).cancel(2, 2);
    trace.cancel(3, undefined, false).cancel(4, undefined, false);
    expect(check(trace.summary(), WORKER_POOL_ARGS, { exitCode: 130, signalsDelivered: 1 })).toEqual([]);
  });

  test('t_ms slightly out of order between threads', () => {
    const trace = new TraceWriter('fan-out')
      .raw('{"event":"start","job":1,"t_ms":10.5}')
      .raw('{"event":"start","job":2,"t_ms":9.8}')
      .raw('{"event":"done","job":2,"t_ms":20,"result":4}')
      .raw('{"event":"done","job":1,"t_ms":19.9,"result":2}')
      .raw(
        '{"event":"summary","pattern":"fan-out","target":"go","submitted":2,"completed":2,"failed":0,"timed_out":0,"cancelled":0,"max_concurrency":2,"elapsed_ms":21.0}',
      );
    expect(check(trace, ['--jobs', '2'])).toEqual([]);
  });

  test('human output', () => {
    const stdout = [
      'produced 1',
      'consumed 1',
      'worker 1 processing job 1',
      'job 1 done: 2',
      'summary: 1 submitted, 1 completed, 0 failed, 0 timed out, 0 cancelled, max concurrency 1, 12 ms (producer-consumer on typescript)',
      '',
    ].join('\n');
    const options = effectiveOptions('producer-consumer', 'typescript', ['--jobs', '1']);
    const run = {
      stdout,
      pattern: 'producer-consumer',
      target: 'typescript',
      options,
      exitCode: 0,
      signalsDelivered: 0,
    } as const;
    expect(checkTrace(run).problems).toEqual([]);
  });

  test('human output of graceful-stop and timeout lines', () => {
    const stdout = [
      'ready: press Ctrl-C or send SIGTERM to stop',
      'worker 1 processing job 1',
      'received SIGINT: stopping intake, draining in-flight jobs (up to 5000 ms)',
      'job 1 cancelled',
      'summary: 1 submitted, 0 completed, 0 failed, 0 timed out, 1 cancelled, max concurrency 1, 5012 ms (graceful-stop on go)',
      '',
    ].join('\n');
    const options = effectiveOptions('graceful-stop', 'go', []);
    const run = { stdout, pattern: 'graceful-stop', target: 'go', options, exitCode: 1, signalsDelivered: 1 } as const;
    expect(checkTrace(run).problems).toEqual([]);
  });
});

describe('broken traces are reported', () => {
  const expectProblem = (problems: string[], pattern: RegExp) => {
    expect(
      problems.some((problem) => pattern.test(problem)),
      `${pattern} in ${JSON.stringify(problems, null, 2)}`,
    ).toBe(true);
  };

  test('a lost job (started, never ended)', () => {
    const trace = new TraceWriter('worker-pool')
      .start(1, 1)
      .start(2, 2)
      .done(1, 1)
      .start(3, 1)
      .done(3, 1)
      .start(4, 1)
      .done(4, 1);
    const problems = check(trace.summary({ submitted: 4, completed: 3, max_concurrency: 2 }), WORKER_POOL_ARGS);
    expectProblem(problems, /jobs that never ended \(no done, fail, timeout or cancel\): 2$/);
    expectProblem(problems, /jobs without a terminal event: 2/);
  });

  test('a job never submitted at all', () => {
    const problems = check(workerPool(3).summary({ submitted: 4, completed: 4 }), WORKER_POOL_ARGS);
    expectProblem(problems, /completed 4, but 3 such events/);
    expectProblem(problems, /jobs without a terminal event: 4/);
  });

  test('a job ending twice', () => {
    const trace = workerPool().done(4, 2).summary();
    expectProblem(check(trace, WORKER_POOL_ARGS), /job 4: "done" after its terminal "done"/);
  });

  test('an event after the terminal event', () => {
    const trace = workerPool().start(3, 1).summary();
    expectProblem(check(trace, WORKER_POOL_ARGS), /job 3: "start" after its terminal "done"/);
  });

  test('a job cancelled after it failed', () => {
    const trace = new TraceWriter('fan-out').start(1).fail(1).cancel(1, undefined, false).summary();
    expectProblem(
      check(trace, ['--jobs', '1', '--fail-every', '1'], { exitCode: 1 }),
      /"cancel" after its terminal "fail"/,
    );
  });

  test('concurrency over the worker limit', () => {
    const trace = new TraceWriter('worker-pool').start(1, 1).start(2, 2).start(3, 1).done(1, 1).done(2, 2).done(3, 1);
    const problems = check(trace.start(4, 1).done(4, 1).summary(), WORKER_POOL_ARGS);
    expectProblem(problems, /concurrency reached 3, above the limit 2/);
    expectProblem(problems, /worker 1 starts it while still on job 1/);
  });

  test('max_concurrency that disagrees with the events', () => {
    expectProblem(
      check(workerPool().summary({ max_concurrency: 1 }), WORKER_POOL_ARGS),
      /max_concurrency 1, but the events show 2/,
    );
  });

  test('consume before produce', () => {
    const trace = new TraceWriter('producer-consumer').consume(1, 1).produce(1).start(1, 1).done(1, 1).summary();
    expectProblem(check(trace, ['--jobs', '1']), /job 1: consume before produce/);
  });

  test('start before consume', () => {
    const trace = new TraceWriter('producer-consumer').produce(1).start(1, 1).consume(1, 1).done(1, 1).summary();
    const problems = check(trace, ['--jobs', '1']);
    expectProblem(problems, /job 1: start before consume/);
    expectProblem(problems, /job 1: consume after start/);
  });

  test('an unbounded buffer: everything produced before anything is consumed', () => {
    const trace = new TraceWriter('producer-consumer');
    for (let job = 1; job <= 10; job++) trace.produce(job);
    for (let job = 1; job <= 10; job++) trace.consume(job, 1).start(job, 1).done(job, 1);
    expectProblem(
      check(trace.summary(), ['--jobs', '10', '--workers', '2', '--buffer', '2']),
      /above the bound 5 for buffer 2 and 2 workers/,
    );
  });

  test('python-multiprocessing: consumes relayed late are tolerated', () => {
    // Buffer 1, one consumer: bound 1 + 1 + 1 in-process, twice that across processes.
    const trace = new TraceWriter('producer-consumer', 'python-multiprocessing');
    for (let job = 1; job <= 4; job++) trace.produce(job);
    for (let job = 1; job <= 4; job++) trace.consume(job, 1).start(job, 1).done(job, 1);
    const args = ['--jobs', '4', '--workers', '1', '--buffer', '1', '--work-ms', '10'];
    expect(check(trace.summary(), args)).toEqual([]);
    const inProcess = new TraceWriter('producer-consumer', 'python-threading');
    for (let job = 1; job <= 4; job++) inProcess.produce(job);
    for (let job = 1; job <= 4; job++) inProcess.consume(job, 1).start(job, 1).done(job, 1);
    expectProblem(check(inProcess.summary(), args), /4 items produced and not consumed, above the bound 3/);
  });

  test('a line that is not JSON', () => {
    const trace = workerPool().raw('Traceback (most recent call last):').summary();
    expectProblem(check(trace, WORKER_POOL_ARGS), /line 9 "Traceback \(most recent call last\):": not JSON/);
  });

  test('an object whose event is not one of the contract', () => {
    expectProblem(
      check(workerPool().raw('{"event":"constructor"}').summary(), WORKER_POOL_ARGS),
      /unknown event "constructor"/,
    );
  });

  test('a human line in JSON mode', () => {
    expectProblem(check(workerPool().raw('worker 1 processing job 5').summary(), WORKER_POOL_ARGS), /not JSON/);
  });

  test('summary counts that do not add up', () => {
    expectProblem(check(workerPool().summary({ submitted: 5 }), WORKER_POOL_ARGS), /submitted 5 ≠ completed 4/);
  });

  test('summary counts that disagree with the events', () => {
    const problems = check(workerPool().summary({ completed: 3, failed: 1 }), WORKER_POOL_ARGS);
    expectProblem(problems, /completed 3, but 4 such events/);
    expectProblem(problems, /failed 1, but 0 such events/);
  });

  test('submitted other than --jobs in worker-pool', () => {
    expectProblem(check(workerPool(3).summary(), WORKER_POOL_ARGS), /submitted 3, expected --jobs 4/);
  });

  test('a job id above --jobs', () => {
    expectProblem(check(workerPool(4).summary(), ['--jobs', '3', '--workers', '2']), /job 4: id above --jobs 3/);
  });

  test('no summary', () => {
    expectProblem(check(workerPool(), WORKER_POOL_ARGS), /no summary line/);
  });

  test('output after the summary', () => {
    const trace = workerPool(3).summary({ submitted: 4, completed: 4 }).start(4, 1).done(4, 1);
    const problems = check(trace, WORKER_POOL_ARGS);
    expectProblem(problems, /the summary is line 7, not the last line \(9\)/);
  });

  test('two summaries', () => {
    expectProblem(check(workerPool().summary().summary(), WORKER_POOL_ARGS), /2 summary lines/);
  });

  test('summary for the wrong pattern or target', () => {
    const problems = check(workerPool().summary({ pattern: 'fan-out', target: 'python-threading' }), WORKER_POOL_ARGS);
    expectProblem(problems, /summary pattern "fan-out", expected "worker-pool"/);
    expectProblem(problems, /summary target "python-threading", expected "go"/);
  });

  test('keys out of order', () => {
    const trace = new TraceWriter('fan-out')
      .raw('{"job":1,"event":"start","t_ms":1}')
      .done(1)
      .summary({ submitted: 1, max_concurrency: 1 });
    expectProblem(check(trace, ['--jobs', '1']), /keys job,event,t_ms, expected event,job,t_ms/);
  });

  test('worker missing where a worker handles the job, present where none does', () => {
    const pool = new TraceWriter('worker-pool').start(1).done(1, 1).summary({ max_concurrency: 1 });
    expectProblem(check(pool, ['--jobs', '1']), /keys event,job,t_ms, expected event,job,worker,t_ms/);
    const fanOut = new TraceWriter('fan-out').start(1, 1).done(1).summary();
    expectProblem(check(fanOut, ['--jobs', '1']), /keys event,job,worker,t_ms, expected event,job,t_ms/);
  });

  test('JSON with spaces', () => {
    const trace = new TraceWriter('fan-out')
      .raw('{"event": "start", "job": 1, "t_ms": 1.0}')
      .done(1)
      .summary({ submitted: 1, max_concurrency: 1 });
    expectProblem(check(trace, ['--jobs', '1']), /not compact/);
  });

  test('a worker number outside 1..workers', () => {
    const trace = new TraceWriter('worker-pool').start(1, 0).done(1, 0).start(2, 3).done(2, 3).summary();
    const problems = check(trace, ['--jobs', '2', '--workers', '2']);
    expectProblem(problems, /worker 0 outside 1..2/);
    expectProblem(problems, /worker 3 outside 1..2/);
  });

  test('a wrong result', () => {
    const trace = new TraceWriter('fan-out')
      .start(1)
      .raw('{"event":"done","job":1,"t_ms":5,"result":1}')
      .summary({ completed: 1 });
    expectProblem(check(trace, ['--jobs', '1']), /result 1, expected 2/);
  });

  test('failures that --fail-every does not select, and a selected job that succeeds', () => {
    const trace = new TraceWriter('fan-out').start(1).start(2).fail(1).done(2).summary();
    const problems = check(trace, ['--jobs', '2', '--fail-every', '2'], { exitCode: 1 });
    expectProblem(problems, /job 1\): failed, but --fail-every 2 does not select it/);
    expectProblem(problems, /job 2\): done, but --fail-every 2 makes it fail/);
  });

  test('another error message than the injected failure', () => {
    const trace = new TraceWriter('fan-out').start(1).raw('{"event":"fail","job":1,"t_ms":3,"error":"boom"}');
    const problems = check(trace.summary({ failed: 1 }), ['--jobs', '1', '--fail-every', '1'], { exitCode: 1 });
    expectProblem(problems, /error "boom", expected "injected failure"/);
  });

  test('an event the pattern does not write', () => {
    const trace = new TraceWriter('worker-pool').start(1, 1).timeout(1).summary();
    expectProblem(check(trace, ['--jobs', '1']), /worker-pool does not write "timeout" events/);
  });

  test('exit codes against the contract', () => {
    const failing = new TraceWriter('fan-out').start(1).fail(1).summary();
    expectProblem(
      check(failing, ['--jobs', '1', '--fail-every', '1'], { exitCode: 0 }),
      /exit code 0, the contract requires 1/,
    );
    expectProblem(
      check(workerPool().summary(), WORKER_POOL_ARGS, { exitCode: 1 }),
      /exit code 1, the contract requires 0/,
    );
    expectProblem(
      check(workerPool().summary(), WORKER_POOL_ARGS, { signalsDelivered: 1 }),
      /exit code 0, the contract requires 130/,
    );
    expectProblem(
      check(workerPool().summary(), WORKER_POOL_ARGS, { exitCode: null, killedBy: 'SIGINT' }),
      /killed by SIGINT instead of exiting/,
    );
    const timedOut = new TraceWriter('timeout').start(1).timeout(1).summary();
    expectProblem(check(timedOut, [], { exitCode: 1 }), /exit code 1, the contract requires 0/);
  });

  test('t_ms going back in time', () => {
    const trace = new TraceWriter('fan-out')
      .raw('{"event":"start","job":1,"t_ms":500}')
      .raw('{"event":"done","job":1,"t_ms":20,"result":2}')
      .summary({ submitted: 1, completed: 1, max_concurrency: 1, elapsed_ms: 10 });
    const problems = check(trace, ['--jobs', '1']);
    expectProblem(problems, /t_ms 20 goes back more than 50 ms/);
    expectProblem(problems, /elapsed_ms 10 is before the last event's t_ms 500/);
  });

  test('a wider clock tolerance covers back-dated starts only', () => {
    const trace = new TraceWriter('fan-out')
      .raw('{"event":"start","job":1,"t_ms":400}')
      .raw('{"event":"done","job":1,"t_ms":500,"result":2}')
      .raw('{"event":"start","job":2,"t_ms":200}')
      .raw('{"event":"done","job":2,"t_ms":300,"result":4}')
      .summary({ submitted: 2, completed: 2, max_concurrency: 1, elapsed_ms: 600 });
    const problems = check(trace, ['--jobs', '2'], { clockToleranceMs: 1000 });
    expect(problems.filter((problem) => problem.includes('goes back'))).toEqual([
      'line 4: t_ms 300 goes back more than 50 ms from line 2 (500)',
    ]);
  });

  test('graceful-stop: no ready, or a job before it', () => {
    const trace = new TraceWriter('graceful-stop').start(1, 1).ready().done(1, 1).summary();
    expectProblem(check(trace, ['--jobs', '1']), /job starts before "ready"/);
    expectProblem(
      check(new TraceWriter('graceful-stop').start(1, 1).done(1, 1).summary(), ['--jobs', '1']),
      /0 "ready" events/,
    );
  });

  test('graceful-stop: intake goes on after stopping', () => {
    const trace = new TraceWriter('graceful-stop').ready().stopping();
    for (let job = 1; job <= 5; job++) trace.start(job, 1).done(job, 1);
    expectProblem(
      check(trace.summary(), ['--workers', '2'], { signalsDelivered: 1 }),
      /5 jobs started after "stopping"/,
    );
  });

  test('graceful-stop: a cancel without a stop', () => {
    const trace = new TraceWriter('graceful-stop').ready().start(1, 1).cancel(1, 1).summary();
    expectProblem(check(trace, ['--jobs', '1'], { exitCode: 1 }), /job 1 cancelled before any "stopping"/);
  });

  test('human mode: a line outside the contract, and a wrong deadline', () => {
    const stdout = [
      'job 1 started',
      'Job 1 is done!',
      'job 1: request timed out after 999 ms',
      'summary: 1 submitted, 0 completed, 0 failed, 1 timed out, 0 cancelled, max concurrency 1, 1002 ms (timeout on go)',
      '',
    ].join('\n');
    const options = effectiveOptions('timeout', 'go', []);
    const { problems } = checkTrace({
      stdout,
      pattern: 'timeout',
      target: 'go',
      options,
      exitCode: 0,
      signalsDelivered: 0,
    });
    expectProblem(problems, /line 2 "Job 1 is done!": not one of the contract's human lines/);
    expectProblem(problems, /expected "after 1000 ms"/);
  });

  test('stdout cut off mid-line', () => {
    const trace = workerPool().summary();
    const options = effectiveOptions('worker-pool', 'go', [...WORKER_POOL_ARGS, '--json']);
    const { problems } = checkTrace({
      stdout: trace.stdout.slice(0, -1),
      pattern: 'worker-pool',
      target: 'go',
      options,
      exitCode: 0,
      signalsDelivered: 0,
    });
    expectProblem(problems, /does not end with a newline/);
  });
});

// A Redis Stream with a consumer group as a job source for the component, and the calls that
// record each job's end: at-least-once delivery between processes and machines.
import { createClient, ErrorReply, type RedisClientType } from 'redis';
import { setTimeout as sleep } from 'node:timers/promises';

/** One job read from the stream, fresh or claimed from a consumer that went quiet. */
export interface Delivery {
  /** The job's id (the entry's `job` field). */
  readonly job: number;
  /** The entry's `payload` field, decoded from JSON. */
  readonly payload: unknown;
  /** The stream entry's id. */
  readonly id: string;
  /** How many times the job has been delivered, this delivery included. */
  readonly deliveries: number;
  /** The consumer it was claimed from; empty when it was read fresh. */
  readonly claimedFrom: string;
}

/** An entry moved to `<stream>:dead` by `deliveries` itself, without reaching the caller. */
export interface DeadLetter {
  /** The job's id, when the entry had a readable one. */
  readonly job: number | undefined;
  readonly id: string;
  readonly error: string;
  /** The consumer it was claimed from; empty when it was read fresh. */
  readonly claimedFrom: string;
}

export interface StreamOptions {
  /** A job pending this long (ms) belongs to a consumer that is gone, and is claimed. */
  claimIdle: number;
  /** After this many deliveries a failing job goes to `<stream>:dead`. */
  maxDeliveries: number;
  /** `produce` waits while the stream holds this many jobs (default: no bound). */
  buffer?: number;
  /** Called before each retry of a lost connection; by default a line on stderr. */
  onRetry?: (error: Error, delayMs: number) => void;
  /** Called for an entry that `deliveries` sent to `<stream>:dead` (malformed, or abandoned). */
  onDeadLetter?: (letter: DeadLetter) => void;
}

/**
 * How long `ack`, `fail` and `release` may wait for a lost connection: once `signal` aborts they
 * reject with its reason, and the job stays pending, to be claimed by another consumer.
 */
export interface Settle {
  signal?: AbortSignal;
}

/** The server could not be reached when the stream was opened. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';

  constructor(url: string, options: { cause: unknown }) {
    super(`cannot reach ${redact(url)}: ${reason(options.cause)}`, options);
  }
}

/** `url` without its password: `redis://user:secret@host:6379/0` → `redis://user:***@host:6379/0`. */
export function redact(url: string): string {
  return url.replace(/^(\w+:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}

/** How long `open` keeps trying to reach the server before it gives up. */
const startBudgetMs = 5000;

/**
 * Opens `name` as consumer `consumer` of the group `<name>:workers`, creating both when missing.
 * Rejects with an `UnreachableError` if the server cannot be reached within 5 s. After that, a
 * lost connection is retried for ever with jittered backoff: a held job is never given up.
 */
export async function openStream(
  url: string,
  name: string,
  consumer: string,
  options: StreamOptions,
): Promise<Stream> {
  const stream = new Stream(url, name, consumer, options);
  try {
    await stream.start();
  } catch (error) {
    await stream.close();
    throw error instanceof ErrorReply ? error : new UnreachableError(url, { cause: error });
  }
  return stream;
}

/**
 * One stream and its consumer group, seen by one consumer. Jobs come out of `deliveries`; each
 * must end in `ack` (done), `fail` (retried later, or dead after `maxDeliveries`) or `release`
 * (never started). A job left pending by a consumer that died is claimed by another once it has
 * been idle for `claimIdle` ms.
 */
export class Stream {
  readonly group: string;
  readonly #client: RedisClientType;
  // A blocked read holds its connection: jobs end on the other one meanwhile.
  readonly #reader: RedisClientType;
  readonly #options: Required<Omit<StreamOptions, 'onDeadLetter'>> & StreamOptions;
  // Entries handed out and not ended yet, which this consumer must not claim from itself, with
  // when each came.
  readonly #held = new Map<string, number>();
  readonly #blockMs: number;
  #readerId: number | undefined;
  #started = false;
  #reading: Promise<void> | undefined;

  constructor(
    readonly url: string,
    readonly name: string,
    readonly consumer: string,
    options: StreamOptions,
  ) {
    for (const [option, value, min] of [
      ['claimIdle', options.claimIdle, 1],
      ['maxDeliveries', options.maxDeliveries, 1],
      ['buffer', options.buffer ?? Infinity, 1],
    ] as const) {
      if (!(value >= min && (Number.isInteger(value) || value === Infinity))) {
        throw new RangeError(`${option} must be an integer of at least ${min}, got ${value}`);
      }
    }
    this.group = `${name}:workers`;
    this.#options = {
      buffer: Infinity,
      onRetry: (error, delayMs) =>
        process.stderr.write(`redis: ${reason(error)}; retrying in ${delayMs} ms\n`),
      ...options,
    };
    this.#blockMs = Math.max(1, Math.min(Math.floor(options.claimIdle / 2), 1000));
    const startedAt = performance.now();
    this.#client = createClient({
      url,
      socket: {
        connectTimeout: startBudgetMs,
        reconnectStrategy: (retries, cause) => {
          if (this.#started) {
            const delayMs = backoff(retries);
            this.#options.onRetry(cause, delayMs);
            return delayMs;
          }
          const left = startBudgetMs - (performance.now() - startedAt);
          return left > 0 ? Math.min(backoff(retries), left) : cause;
        },
      },
    });
    this.#reader = this.#client.duplicate();
    // Each failure is also reported through `reconnectStrategy` or the command that failed: an
    // 'error' event without a listener would crash the process.
    for (const client of [this.#client, this.#reader]) client.on('error', () => {});
    this.#reader.on('ready', () => {
      this.#reader.clientId().then(
        (id) => (this.#readerId = id),
        () => (this.#readerId = undefined),
      );
    });
  }

  /** Connects both clients and creates the group if it is missing. Called by `openStream`. */
  async start(): Promise<void> {
    await Promise.all([this.#client.connect(), this.#reader.connect()]);
    await this.#createGroup();
    this.#started = true;
  }

  async #createGroup(): Promise<void> {
    try {
      await this.#client.xGroupCreate(this.name, this.group, '0', { MKSTREAM: true });
    } catch (error) {
      if (!(error instanceof ErrorReply && error.message.startsWith('BUSYGROUP'))) throw error;
    }
  }

  /**
   * Adds a job at the end of the stream, once it holds fewer than `buffer` jobs: a producer
   * faster than its workers waits here (the stream is never trimmed, which would drop jobs).
   */
  async produce(job: number, payload: unknown, signal: AbortSignal): Promise<void> {
    while ((await this.backlog(signal)) >= this.#options.buffer) {
      await sleep(25, undefined, { signal });
    }
    await this.#retry(
      () =>
        this.#client.xAdd(this.name, '*', { job: String(job), payload: JSON.stringify(payload) }),
      { signal },
    );
  }

  /** How many jobs the stream holds: not delivered yet, or delivered and not ended. */
  backlog(signal?: AbortSignal): Promise<number> {
    return this.#retry(() => this.#client.xLen(this.name), { signal });
  }

  /**
   * The jobs for this consumer, for the component's `jobs`: first any job idle for `claimIdle`
   * ms in another consumer's hands (or in this one's, after a `fail`), then new ones, one at a
   * time, as the component asks. Ends soon after `signal` aborts; a job read as it aborted is
   * released, never dropped.
   */
  async *deliveries(signal: AbortSignal): AsyncGenerator<Delivery, void, undefined> {
    const claims = { at: 0 };
    for (;;) {
      const next = this.#next(signal, claims);
      // The component may stop while this read waits, and leave it: `close` waits for it.
      this.#reading = next.then(
        () => {},
        () => {},
      );
      const delivery = await next;
      if (delivery === undefined) return;
      yield delivery;
    }
  }

  async #next(signal: AbortSignal, claims: { at: number }): Promise<Delivery | undefined> {
    try {
      return await this.#nextOrStop(signal, claims);
    } catch (error) {
      if (signal.aborted) return undefined; // stopped while the server was out of reach
      throw error;
    }
  }

  async #nextOrStop(signal: AbortSignal, claims: { at: number }): Promise<Delivery | undefined> {
    while (!signal.aborted) {
      let delivery: Delivery | undefined;
      if (performance.now() >= claims.at) {
        delivery = await this.#claimOne(signal);
        // Claims are looked for again after the block time, or at once while there are some.
        if (delivery === undefined) claims.at = performance.now() + this.#blockMs;
      }
      delivery ??= await this.#readOne(signal);
      if (delivery === undefined) continue;
      if (!signal.aborted) return delivery;
      await this.release(delivery); // read as the stop came: back to the stream, not lost
    }
    return undefined;
  }

  /** Claims one entry idle for `claimIdle` ms, if there is one this consumer does not hold. */
  async #claimOne(signal: AbortSignal): Promise<Delivery | undefined> {
    const { claimIdle, maxDeliveries } = this.#options;
    const idle = await this.#retry(
      () =>
        this.#client.xPendingRange(this.name, this.group, '-', '+', this.#held.size + 1, {
          IDLE: claimIdle,
        }),
      { signal },
    );
    for (const { id, consumer, deliveriesCounter } of idle) {
      if (this.#held.has(id)) continue;
      // Atomic: whoever claims it first gets it; the others get nothing back.
      const [entry] = await this.#retry(
        () => this.#client.xClaim(this.name, this.group, this.consumer, claimIdle, id),
        { signal },
      );
      if (!entry) continue;
      const delivery = await this.#decode(entry, deliveriesCounter + 1, consumer);
      if (delivery === undefined) continue;
      if (deliveriesCounter < maxDeliveries) return delivery;
      // Its consumer died on its last delivery.
      const error = `abandoned by ${consumer} after ${deliveriesCounter} deliveries`;
      const dead = await this.#deadLetter(delivery.id, entry.message, error, deliveriesCounter, {
        signal,
      });
      this.#held.delete(id);
      if (dead)
        this.#options.onDeadLetter?.({ job: delivery.job, id, error, claimedFrom: consumer });
    }
    return undefined;
  }

  /** Reads one new entry, waiting up to the block time; a stop ends the wait at once. */
  async #readOne(signal: AbortSignal): Promise<Delivery | undefined> {
    const unblock = () => {
      if (this.#readerId !== undefined) {
        this.#client.clientUnblock(this.#readerId).catch(() => {}); // the block ends by itself
      }
    };
    signal.addEventListener('abort', unblock, { once: true });
    try {
      const reply = await this.#retry(
        () =>
          this.#reader.xReadGroup(
            this.group,
            this.consumer,
            { key: this.name, id: '>' },
            { COUNT: 1, BLOCK: this.#blockMs },
          ),
        { signal },
      );
      const entry = reply?.[0]?.messages[0];
      return entry ? await this.#decode(entry, 1, '') : undefined;
    } finally {
      signal.removeEventListener('abort', unblock);
    }
  }

  /** The delivery of `entry`, or `undefined` once a malformed entry is dead-lettered. */
  async #decode(
    entry: { id: string; message: Record<string, string> },
    deliveries: number,
    claimedFrom: string,
  ): Promise<Delivery | undefined> {
    const { id, message } = entry;
    const job = Number(message.job);
    let payload: unknown;
    try {
      if (!/^\d+$/.test(message.job ?? '')) throw new Error(`bad job id '${message.job}'`);
      payload = JSON.parse(message.payload ?? '');
    } catch (error) {
      // It could never succeed: no retry would read it differently.
      const text = `malformed entry: ${reason(error)}`;
      // Awaited: a failure to dead-letter it (the server gone, a key of the
      // wrong type) is this read's error, not an unhandled rejection.
      if (await this.#deadLetter(id, message, text, deliveries)) {
        this.#options.onDeadLetter?.({
          job: Number.isSafeInteger(job) ? job : undefined,
          id,
          error: text,
          claimedFrom,
        });
      }
      return undefined;
    }
    this.#held.set(id, performance.now());
    return { job, payload, id, deliveries, claimedFrom };
  }

  /**
   * Records `result` in `<stream>:results`, then acknowledges the job and deletes its entry.
   * Returns false if another consumer, which claimed the job while this one was slow, had
   * acknowledged it already.
   */
  async ack(delivery: Delivery, result: string | number, settle: Settle = {}): Promise<boolean> {
    const { signal } = settle;
    await this.#retry(() => this.#client.hSet(`${this.name}:results`, delivery.job, result), {
      signal,
    });
    const heldFor = performance.now() - (this.#held.get(delivery.id) ?? -Infinity);
    let retried = false;
    const acked = await this.#retry(() => this.#settle(delivery.id), {
      signal,
      onRetry: () => (retried = true),
    });
    this.#held.delete(delivery.id);
    // A connection lost before the reply leaves it unknown whether the first try went through.
    // If it did, the retry finds the job acknowledged: by this consumer, when it has held the job
    // for less than `claimIdle`, as no other could have claimed it yet.
    return acked === 1 || (retried && heldFor < this.#options.claimIdle);
  }

  /**
   * Records a failed delivery. Once it is the `maxDeliveries`-th, the job goes to
   * `<stream>:dead` with `error` and is acknowledged: returns true. Before that it stays
   * pending, and any consumer claims it again after `claimIdle` ms: returns false.
   */
  async fail(delivery: Delivery, error: string, settle: Settle = {}): Promise<boolean> {
    this.#held.delete(delivery.id);
    if (delivery.deliveries < this.#options.maxDeliveries) return false;
    const fields = { job: String(delivery.job), payload: JSON.stringify(delivery.payload) };
    // Not acknowledged by this call: another consumer, which claimed it meanwhile, ended it.
    return this.#deadLetter(delivery.id, fields, error, delivery.deliveries, settle);
  }

  /** Hands back a job that was never started: it goes to the end of the stream, at once. */
  async release(delivery: Delivery, { signal }: Settle = {}): Promise<void> {
    const fields = { job: String(delivery.job), payload: JSON.stringify(delivery.payload) };
    await this.#retry(() => this.#settle(delivery.id, this.name, fields), { signal });
    this.#held.delete(delivery.id);
  }

  /** Closes both connections, once a read the component left waiting has ended. */
  async close(): Promise<void> {
    await this.#reading;
    for (const client of [this.#client, this.#reader]) {
      // A client still trying to reconnect has nothing to finish: stop it at once.
      if (client.isReady) await client.close();
      else if (client.isOpen) client.destroy();
    }
  }

  async #deadLetter(
    id: string,
    fields: Record<string, string>,
    error: string,
    deliveries: number,
    { signal }: Settle = {},
  ): Promise<boolean> {
    const letter = { ...fields, error, deliveries: String(deliveries), consumer: this.consumer };
    const acked = await this.#retry(() => this.#settle(id, `${this.name}:dead`, letter), {
      signal,
    });
    return acked === 1;
  }

  /**
   * Acknowledges entry `id` and deletes it, and only if this acknowledged it, adds `fields` to
   * `to`: in one script, so that a job another consumer ended meanwhile is neither put back nor
   * dead-lettered twice. Returns what XACK returned: 1, or 0 if it was acknowledged already.
   */
  #settle(id: string, to?: string, fields: Record<string, string> = {}): Promise<number> {
    return this.#client.eval(settleScript, {
      keys: to === undefined ? [this.name] : [this.name, to],
      arguments: [this.group, id, ...Object.entries(fields).flat()],
    }) as Promise<number>;
  }

  /**
   * Runs `command` until it gets an answer, or `signal` aborts (rejects with its reason). A command whose connection broke is tried again
   * after a backoff (the client reconnects meanwhile); a group that is gone (the server lost its
   * data: restarted without persistence, or flushed) is created again; any other error the
   * server answered is thrown.
   */
  async #retry<T>(
    command: () => Promise<T>,
    { signal, onRetry = () => {} }: { signal?: AbortSignal; onRetry?: () => void } = {},
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        if (signal === undefined) return await command();
        // While the connection is down a command waits in the client's queue, not failing: the
        // signal must end the wait itself. A command given up on fails when the client closes.
        const reply = command();
        reply.catch(() => {});
        return await unlessAborted(reply, signal);
      } catch (error) {
        if (!this.#started || signal?.aborted) throw error;
        if (error instanceof ErrorReply && error.message.startsWith('NOGROUP')) {
          this.#options.onRetry(error, 0);
          await this.#createGroup().catch(() => {}); // a failure shows in the command's retry
          continue;
        }
        if (error instanceof ErrorReply || !this.#client.isOpen) throw error;
        onRetry();
        const delayMs = backoff(attempt);
        this.#options.onRetry(error as Error, delayMs);
        await sleep(delayMs, undefined, { signal });
      }
    }
  }
}

// KEYS[1] the stream, KEYS[2] where the fields go (optional); ARGV: group, entry id, fields.
const settleScript = `
local acked = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
if acked == 1 then
  if KEYS[2] then redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3)) end
  redis.call('XDEL', KEYS[1], ARGV[2])
end
return acked
`;

/** What `attempt` settles to, unless `signal` aborts first: then it rejects with its reason. */
async function unlessAborted<T>(attempt: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([attempt, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort); // one listener per command would pile up
  }
}

/** Full jitter: anywhere from 0 to 100 ms × 2^attempt, capped at 5 s. */
function backoff(attempt: number): number {
  return Math.round(Math.random() * Math.min(5000, 100 * 2 ** attempt));
}

/** An error's message, whatever was thrown. */
function reason(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return reason(error.errors[0]);
  return error instanceof Error ? error.message || error.name : String(error);
}

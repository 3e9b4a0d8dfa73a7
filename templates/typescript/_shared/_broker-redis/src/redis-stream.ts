// A Redis Stream with a consumer group as a job source for the component, and the calls that
// record each job's end: at-least-once delivery between processes and machines.
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortError as UnsentError, createClient, ErrorReply, type RedisClientType } from 'redis';

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
  /**
   * How many jobs this process runs at once (default 1): `deliveries` reads no more than that
   * many entries ahead of their ends, so none waits here for a worker while it ages toward
   * `claimIdle`.
   */
  capacity?: number;
  /** `produce` waits while the stream holds this many jobs (default: no bound). */
  buffer?: number;
  /** Called before each retry of a lost connection or a busy server; by default a line on stderr. */
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

/**
 * Whether a later try of a command that failed with `error` may succeed: a lost connection, or a
 * server that is busy, loading, failing over or out of memory for now. Any other reply (a key of
 * the wrong type, a bad argument) would come back the same.
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof ErrorReply)) return true;
  return transientReplies.has(replyCode(error.message));
}

/**
 * How a server before Redis 7.0 wraps an error reply met inside a script ("ERR Error running
 * script (call to f_<sha>): @user_script:3: -OOM …"); 7.0 and later pass the reply on as it was.
 */
const scriptWrapping = /^ERR Error running script \(call to [^)]*\): (@\w+:\d+: )?-?/;

/** An error reply's code, its first word, out of a script's wrapping if need be. */
export function replyCode(message: string): string {
  return message.replace(scriptWrapping, '').split(' ', 1)[0]!;
}

const transientReplies = new Set([
  ...['OOM', 'LOADING', 'READONLY', 'BUSY', 'MASTERDOWN', 'TRYAGAIN', 'CLUSTERDOWN', 'UNBLOCKED'],
]);

/** How long an add already sent may still take to answer once the producer is told to stop. */
const replyGraceMs = 3000;

/** How long `open` keeps trying to reach the server before it gives up. */
const startBudgetMs = 5000;

/** The most entries one settling script call carries. */
const settleBatchMax = 256;

/**
 * How much longer than the time since a lost read was sent an entry it delivered may have been
 * pending, as the server measures it: room for the two clocks to differ. Also how long before
 * `claimIdle` such an entry is left to the claim, which another consumer may make meanwhile.
 */
const lostReadSlackMs = 1000;

/**
 * Opens `name` as consumer `consumer` of the group `<name>:workers`, creating both when missing.
 * Rejects with an `UnreachableError` if the start (connections, handshakes, the group, their
 * retries) is not done within 5 s, the server refusing or never answering, or with the
 * server's error reply if it refuses for good. Once `signal` aborts it rejects at once with the
 * signal's reason: a stop, not an outage. After that, a lost connection is retried for ever
 * with jittered backoff: a held job is never given up.
 */
export async function openStream(
  url: string,
  name: string,
  consumer: string,
  options: StreamOptions,
  signal?: AbortSignal,
): Promise<Stream> {
  const stream = new Stream(url, name, consumer, options);
  try {
    await stream.start(signal);
  } catch (error) {
    // Destroying the clients also ends what a stop gave up on: a connection (once made), a reply.
    // A wait of the client's before its next attempt runs out by itself, and tries no more.
    await stream.close();
    if (signal?.aborted) throw signal.reason;
    throw isTransient(error) ? new UnreachableError(url, { cause: error }) : error;
  }
  return stream;
}

/** A job's end waiting to be sent to the server, and whoever waits for it. */
interface Settlement {
  readonly id: string;
  /** The job and its result, recorded in `<stream>:results` before the acknowledgement. */
  readonly result?: [job: string, result: string];
  /** An entry added once the job is acknowledged: put back in the stream, or dead-lettered. */
  readonly moveTo?: { key: 'stream' | 'dead'; fields: Record<string, string> };
  readonly signal?: AbortSignal;
  /** Sent before, and its reply lost: the server may have settled it already. */
  retried: boolean;
  /** Its caller stopped waiting (`signal` aborted): not sent any more. */
  abandoned: boolean;
  resolve(acknowledged: boolean): void;
  reject(error: unknown): void;
}

/**
 * One stream and its consumer group, seen by one consumer. Jobs come out of `deliveries`; each
 * must end in `ack` (done), `fail` (retried later, or dead after `maxDeliveries`) or `release`
 * (never started). A job left pending by a consumer that died is claimed by another once it has
 * been idle for `claimIdle` ms. A read whose reply was lost (the connection dropped after the
 * server ran it) left what it delivered pending to this consumer, unseen: the next read takes it
 * back first, rather than leave it to a claim after `claimIdle`. Ends are sent in batches: while
 * one script call is on its way, the ends that come meanwhile queue up for the next.
 */
export class Stream {
  readonly group: string;
  readonly #client: RedisClientType;
  // A blocked read holds its connection: jobs end on the other one meanwhile.
  readonly #reader: RedisClientType;
  readonly #options: Required<Omit<StreamOptions, 'onDeadLetter'>> & StreamOptions;
  // Entries delivered to this process and not ended yet, with when each was read: reads wait
  // while there are `capacity` of them, and none is claimed from this consumer by itself.
  readonly #held = new Map<string, number>();
  // When the earliest read or claim whose reply was lost, and whose entries are not taken back
  // yet, was sent: an entry pending to this consumer since then is one it delivered.
  #lostReadAt: number | undefined;
  readonly #roomWaiters = new Set<() => void>();
  readonly #unsettled: Settlement[] = [];
  // The ends waiting, by the signal that gives up on them: see `#watch`.
  readonly #waitingOn = new Map<AbortSignal, { ends: Set<Settlement>; onAbort: () => void }>();
  #settling: Promise<void> | undefined;
  // Cuts the settler's backoff short when the stream closes.
  readonly #closing = new AbortController();
  readonly #blockMs: number;
  readonly #startedAt = performance.now();
  #readerId: number | undefined;
  // Names this producer's record of its last add, which tells a retry from a new call.
  readonly #producerToken = randomBytes(8).toString('hex');
  #produceCalls = 0;
  #started = false;
  // The last failure of the start, reported if the start-up limit runs out before another try.
  #startFailure: unknown;
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
      ['capacity', options.capacity ?? 1, 1],
      ['buffer', options.buffer ?? Infinity, 1],
    ] as const) {
      if (!(value >= min && (Number.isInteger(value) || value === Infinity))) {
        throw new RangeError(`${option} must be an integer of at least ${min}, got ${value}`);
      }
    }
    this.group = `${name}:workers`;
    this.#options = {
      capacity: 1,
      buffer: Infinity,
      onRetry: (error, delayMs) =>
        process.stderr.write(`redis: ${reason(error)}; retrying in ${delayMs} ms\n`),
      ...options,
    };
    this.#blockMs = Math.max(1, Math.min(Math.floor(options.claimIdle / 2), 1000));
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
          this.#startFailure = cause;
          const left = this.#startBudgetLeft();
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

  /**
   * Connects both clients and creates the group if it is missing, waiting out a server that is
   * loading or busy for as long as the start may take; rejects at once with `signal`'s reason
   * once it aborts. Called by `openStream`, which closes the stream if this rejects.
   */
  async start(signal?: AbortSignal): Promise<void> {
    // The start-up limit bounds the start as a whole, not only the waits between tries: a server
    // that accepts the connection and never answers (frozen) holds the client's handshake, which
    // has no timeout, or a reply, for ever. A stop ends it sooner. Neither waits for a connection
    // attempt (nor the client's wait before the next) nor for a reply: what they give up on
    // fails once the clients close.
    const limit = AbortSignal.timeout(Math.max(0, Math.ceil(this.#startBudgetLeft())));
    const giveUp = signal === undefined ? limit : AbortSignal.any([signal, limit]);
    const unlessGivenUp = <T>(step: Promise<T>): Promise<T> => {
      step.catch(() => {});
      return unlessAborted(step, giveUp);
    };
    try {
      await unlessGivenUp(Promise.all([this.#client.connect(), this.#reader.connect()]));
      for (let attempt = 0; ; attempt++) {
        try {
          await unlessGivenUp(this.#createGroup());
          break;
        } catch (error) {
          const delayMs = backoff(attempt);
          if (giveUp.aborted || !isTransient(error) || delayMs >= this.#startBudgetLeft()) {
            throw error;
          }
          this.#startFailure = error;
          this.#options.onRetry(error as Error, delayMs);
          await sleep(delayMs, undefined, { signal: giveUp });
        }
      }
    } catch (error) {
      if (signal?.aborted || !limit.aborted || !isTransient(error)) throw error;
      throw this.#startFailure ?? new Error(`no reply within ${startBudgetMs} ms`);
    }
    this.#started = true;
  }

  #startBudgetLeft(): number {
    return startBudgetMs - (performance.now() - this.#startedAt);
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
   * faster than its workers waits here (the stream is never trimmed, which would drop jobs). The
   * length is checked and the job added in one script, so that producers together keep to it.
   *
   * Resolves `true` once the job is in the stream, `false` if `signal` aborted first. An add on
   * its way to the server when `signal` aborts gets up to 3 s for its reply, since the server may
   * have done it. Rejects with the signal's reason only when the server could not answer by then
   * (the connection lost), so that whether the job went in is unknown.
   */
  async produce(job: number, payload: unknown, signal: AbortSignal): Promise<boolean> {
    const { buffer } = this.#options;
    const entry = ['job', String(job), 'payload', JSON.stringify(payload)];
    const bound = buffer === Infinity ? String(2 ** 53) : String(buffer);
    // Every try of this call carries its number: a retry whose first try went through, its
    // reply lost, finds the number recorded and adds nothing.
    const call = String(++this.#produceCalls);
    const keys = [this.name, `${this.name}:producer:${this.#producerToken}`];
    let unanswered = false; // a try got no reply: the server may have added the job
    for (let attempt = 0; !signal.aborted;) {
      let reply: unknown;
      try {
        const add = this.#script(produceScript, keys, [bound, call, ...entry], signal);
        reply = await this.#replyOf(add, signal);
      } catch (error) {
        // An error reply is the script refusing as a whole; anything else may follow an add.
        // An unsent command (node-redis drops it from its queue on abort) added nothing either.
        unanswered ||= !(error instanceof ErrorReply || error instanceof UnsentError);
        if (signal.aborted) break;
        await this.#recover(error, attempt++, signal).catch((failure: unknown) => {
          if (!signal.aborted) throw failure;
        });
        continue;
      }
      if (reply === 1) return true;
      unanswered = false; // the script found this call's number missing: nothing was added
      attempt = 0;
      await sleep(25, undefined, { signal }).catch(() => {}); // a stop ends the loop
    }
    if (unanswered) throw signal.reason;
    return false;
  }

  /** How many jobs the stream holds: not delivered yet, or delivered and not ended. */
  backlog(signal?: AbortSignal): Promise<number> {
    return this.#retry(() => this.#client.xLen(this.name), { signal });
  }

  /**
   * The jobs for this consumer, for the component's `jobs`: first those a read whose reply was
   * lost delivered (handed out as read, their delivery counted), then any job idle for
   * `claimIdle` ms in another consumer's hands (or in this one's, after a `fail`), then new ones.
   * Each read takes as many as the process has room for (`capacity` less the jobs it holds), and
   * none while it has none: then it waits for a job to end. Ends soon after `signal` aborts; jobs
   * read and not handed out by then are released, never dropped.
   */
  async *deliveries(stop: AbortSignal): AsyncGenerator<Delivery, void, undefined> {
    // Every wait below listens for the stop: on a signal of this call's own, so that the
    // caller's, which may be shared by many consumers, gets one listener from each.
    const stopped = new AbortController();
    const { signal } = stopped;
    const onStop = () => stopped.abort(stop.reason);
    if (stop.aborted) onStop();
    else stop.addEventListener('abort', onStop, { once: true });
    const claims = { at: 0 };
    const read: Delivery[] = [];
    try {
      for (;;) {
        if (read.length === 0) {
          const next = this.#fill(signal, claims);
          // The component may stop while this read waits, and leave it: `close` waits for it.
          this.#reading = next.then(
            () => {},
            () => {},
          );
          read.push(...(await next));
          if (read.length === 0) return;
        }
        yield read.shift()!;
      }
    } finally {
      stop.removeEventListener('abort', onStop);
      // The caller left with jobs read and not handed out: back to the stream at once.
      await Promise.all(read.splice(0).map((delivery) => this.release(delivery)));
    }
  }

  /** The next jobs for this consumer; none once `signal` aborts (what it read is released). */
  async #fill(signal: AbortSignal, claims: { at: number }): Promise<Delivery[]> {
    try {
      while (!signal.aborted) {
        await this.#room(signal);
        // What a lost reply delivered comes first: nothing is claimed or read while some of it
        // may be left (the reply of its recovery's claim lost too, or more than room for).
        let batch = this.#lostReadAt === undefined ? [] : await this.#recoverLostReads(signal);
        const lookFurther = () => batch.length === 0 && this.#lostReadAt === undefined;
        if (lookFurther() && performance.now() >= claims.at) {
          batch = await this.#claimIdle(signal);
          // Claims are looked for again after the block time, or at once while there are some.
          if (batch.length === 0) claims.at = performance.now() + this.#blockMs;
        }
        if (lookFurther()) batch = await this.#read(signal);
        if (batch.length === 0) continue;
        if (!signal.aborted) return batch;
        // Read as the stop came: back to the stream, not lost.
        await Promise.all(batch.map((delivery) => this.release(delivery)));
      }
    } catch (error) {
      if (!signal.aborted) throw error; // stopped while the server was out of reach
    }
    return [];
  }

  /** Resolves once this process holds fewer than `capacity` jobs; rejects if `signal` aborts. */
  async #room(signal: AbortSignal): Promise<void> {
    while (this.#held.size >= this.#options.capacity) {
      await new Promise<void>((resolve, reject) => {
        signal.throwIfAborted();
        const onAbort = () => {
          this.#roomWaiters.delete(wake);
          reject(signal.reason as Error);
        };
        const wake = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        this.#roomWaiters.add(wake);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
  }

  /** The job `id` no longer belongs to this process: a read waiting for room may go on. */
  #forget(id: string): void {
    this.#held.delete(id);
    const waiting = [...this.#roomWaiters];
    this.#roomWaiters.clear();
    waiting.forEach((wake) => wake());
  }

  /** Claims the entries idle for `claimIdle` ms that this consumer does not hold, as room allows. */
  async #claimIdle(signal: AbortSignal): Promise<Delivery[]> {
    const { claimIdle, capacity } = this.#options;
    // This consumer's own jobs that run longer than `claimIdle` are listed too, and skipped.
    const idle = await this.#retry(
      () =>
        this.#client.xPendingRange(this.name, this.group, '-', '+', capacity, { IDLE: claimIdle }),
      { signal },
    );
    const wanted = idle.filter(({ id }) => !this.#held.has(id));
    // A claim whose reply was lost is taken back as a lost read's: its entries then come out as
    // this consumer's own, `claimedFrom` empty, and no claim is reported. Acceptable: the job
    // runs once all the same, and its delivery count tells it was delivered before.
    const { deliveries } = await this.#claim(
      wanted,
      { minIdle: claimIdle, lostRead: false },
      signal,
    );
    return deliveries;
  }

  /**
   * Takes back, as room allows, the entries that reads whose reply was lost delivered: pending
   * to this consumer, not held, and pending no longer than since the earliest such read was
   * sent. One pending longer was left on purpose (a stop's deadline), or by an earlier process
   * of the same name, and one about to be idle for `claimIdle` is any consumer's to claim: they
   * wait for a claim, whose minimum idle time lets only one consumer take each. Once a listing
   * finds no more than there is room for, and their claim is answered, reads go on as before.
   */
  async #recoverLostReads(signal: AbortSignal): Promise<Delivery[]> {
    const lostReadAt = this.#lostReadAt!;
    const room = this.#options.capacity - this.#held.size;
    // The jobs held are listed too: a page has room for them and as many lost ones. It goes on
    // in id order, as older entries left pending to this name may fill the first pages.
    const page = room + this.#held.size;
    const lost: Pending[] = [];
    let listedAll = false;
    for (let start = '-'; !listedAll && lost.length <= room;) {
      const listed = await this.#retry(
        () =>
          this.#client.xPendingRange(this.name, this.group, start, '+', page, {
            consumer: this.consumer,
          }),
        { signal },
      );
      const sinceLost = performance.now() - lostReadAt + lostReadSlackMs;
      for (const pending of listed) {
        if (!this.#held.has(pending.id) && pending.millisecondsSinceLastDelivery <= sinceLost) {
          lost.push(pending);
        }
      }
      listedAll = listed.length < page;
      if (!listedAll) start = `(${listed.at(-1)!.id}`;
    }
    // Each is claimed at its own listed idle time (see `#claim`): one listing may hold, beside
    // a lost read's entries, one idle for `claimIdle` (a job this consumer failed just before)
    // that another consumer claims after the listing, and keeps.
    const { deliveries, complete } = await this.#claim(
      lost.slice(0, room),
      { lostRead: true },
      signal,
    );
    // Not before: a claim whose reply was lost left its entries pending here, for the next pass.
    if (complete && listedAll && lost.length <= room) this.#lostReadAt = undefined;
    if (deliveries.length > 0) {
      const entries = deliveries.length === 1 ? '1 entry' : `${deliveries.length} entries`;
      process.stderr.write(`redis: a read's reply was lost; recovered ${entries} it delivered\n`);
    }
    return deliveries;
  }

  /**
   * Claims for this consumer as many of `pending` as there is room for, those still idle for
   * `minIdle` ms (by default, each for as long as it was listed), and hands them out. Atomic for
   * each entry: a claim resets its idle time, so of two consumers claiming one, only the first
   * gets it back. What a lost read delivered is this consumer's own: handed out as read, not as
   * claimed from anyone. `complete` is false if the reply of a claim was lost.
   */
  async #claim(
    pending: Pending[],
    { minIdle, lostRead }: { minIdle?: number; lostRead: boolean },
    signal: AbortSignal,
  ): Promise<{ deliveries: Delivery[]; complete: boolean }> {
    const room = this.#options.capacity - this.#held.size;
    const wanted = new Map(pending.slice(0, room).map((entry) => [entry.id, entry]));
    // One claim for each minimum idle time; the entries of one read share theirs. Not 0: an
    // entry another consumer claimed after the listing has been idle only since then, less than
    // listed, and stays that consumer's.
    const byIdle = new Map<number, string[]>();
    for (const { id, millisecondsSinceLastDelivery } of wanted.values()) {
      const idle = minIdle ?? millisecondsSinceLastDelivery;
      byIdle.set(idle, [...(byIdle.get(idle) ?? []), id]);
    }
    const entries: (Entry | null)[] = [];
    let complete = true;
    for (const [idle, ids] of byIdle) {
      const claimed = await this.#deliverOnce(
        () => this.#client.xClaim(this.name, this.group, this.consumer, idle, ids),
        signal,
      );
      if (claimed === undefined) complete = false;
      else entries.push(...claimed);
    }
    const { maxDeliveries } = this.#options;
    const deliveries = await this.#admit(
      entries.flatMap((entry) => {
        if (entry === null) return []; // deleted meanwhile: another consumer ended it
        const { consumer, deliveriesCounter } = wanted.get(entry.id)!;
        // Its consumer died on its last delivery.
        const abandoned =
          deliveriesCounter >= maxDeliveries
            ? `abandoned by ${consumer} after ${deliveriesCounter} deliveries`
            : undefined;
        const claimedFrom = lostRead ? '' : consumer;
        return [{ entry, deliveries: deliveriesCounter + 1, claimedFrom, abandoned }];
      }),
    );
    return { deliveries, complete };
  }

  /** Reads new entries, as many as there is room for, waiting up to the block time for one. */
  async #read(signal: AbortSignal): Promise<Delivery[]> {
    const unblock = () => {
      if (this.#readerId !== undefined) {
        this.#client.clientUnblock(this.#readerId).catch(() => {}); // the block ends by itself
      }
    };
    signal.addEventListener('abort', unblock, { once: true });
    try {
      const reply = await this.#deliverOnce(
        () =>
          this.#reader.xReadGroup(
            this.group,
            this.consumer,
            { key: this.name, id: '>' },
            { COUNT: this.#options.capacity - this.#held.size, BLOCK: this.#blockMs },
          ),
        signal,
      );
      const entries: Entry[] = reply?.[0]?.messages ?? [];
      return this.#admit(entries.map((entry) => ({ entry, deliveries: 1, claimedFrom: '' })));
    } finally {
      signal.removeEventListener('abort', unblock);
    }
  }

  /**
   * Runs `command`, a read or a claim, until the server answers. A try that fails on the
   * connection may have run, its reply lost, and left entries pending to this consumer: it is
   * not sent again (a read would deliver more; a claim would find their idle time reset, and
   * take nothing), and resolves `undefined`. Its send time is noted as a lost read's, so that
   * `#recoverLostReads` takes those entries back before anything else is read.
   */
  async #deliverOnce<T>(command: () => Promise<T>, signal: AbortSignal): Promise<T | undefined> {
    let lostReply = false;
    return this.#retry(
      () => {
        if (lostReply) return Promise.resolve(undefined);
        const sentAt = performance.now();
        return command().catch((error: unknown) => {
          // An error reply delivered nothing, and after a stop a claim takes what it did.
          if (!(error instanceof ErrorReply) && !signal.aborted) {
            lostReply = true;
            this.#lostReadAt ??= sentAt;
          }
          throw error;
        });
      },
      { signal },
    );
  }

  /**
   * Takes the entries read or claimed into this process's hands, and the deliveries of those
   * that can run: an entry that is malformed, or was abandoned on its last delivery, is
   * dead-lettered at once, as no retry could end it differently.
   */
  async #admit(
    found: {
      entry: Entry;
      deliveries: number;
      claimedFrom: string;
      abandoned?: string;
    }[],
  ): Promise<Delivery[]> {
    const deliveries: Delivery[] = [];
    const burials: Promise<void>[] = [];
    for (const { entry, deliveries: count, claimedFrom, abandoned } of found) {
      const { id, message } = entry;
      this.#held.set(id, performance.now());
      const job = /^\d+$/.test(message.job ?? '') ? Number(message.job) : undefined;
      let payload: unknown;
      let error = abandoned;
      try {
        if (job === undefined) throw new Error(`bad job id '${message.job}'`);
        payload = JSON.parse(message.payload ?? '');
      } catch (malformed) {
        error = `malformed entry: ${reason(malformed)}`;
      }
      if (error === undefined) {
        deliveries.push({ job: job!, payload, id, deliveries: count, claimedFrom });
        continue;
      }
      const dead = { job, id, error, claimedFrom };
      // After an abandoned job's last delivery, it counts what that delivery counted.
      const counted = abandoned === undefined ? count : count - 1;
      burials.push(
        this.#deadLetter(id, message, error, counted).then((buried) => {
          if (buried) this.#options.onDeadLetter?.(dead);
        }),
      );
    }
    // Awaited: a failure to dead-letter (a key of the wrong type) is this read's error.
    const failed = (await Promise.allSettled(burials)).find(({ status }) => status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    return deliveries;
  }

  /**
   * Records `result` in `<stream>:results`, then acknowledges the job and deletes its entry.
   * Returns false if another consumer, which claimed the job while this one was slow, had
   * acknowledged it already.
   */
  ack(delivery: Delivery, result: string | number, { signal }: Settle = {}): Promise<boolean> {
    return this.#settle(delivery.id, { result: [String(delivery.job), String(result)], signal });
  }

  /**
   * Records a failed delivery. Once it is the `maxDeliveries`-th, the job goes to
   * `<stream>:dead` with `error` and is acknowledged: returns true. Before that it stays
   * pending, and any consumer claims it again after `claimIdle` ms: returns false.
   */
  async fail(delivery: Delivery, error: string, settle: Settle = {}): Promise<boolean> {
    if (delivery.deliveries < this.#options.maxDeliveries) {
      this.#forget(delivery.id);
      return false;
    }
    const fields = { job: String(delivery.job), payload: JSON.stringify(delivery.payload) };
    // Not acknowledged by this call: another consumer, which claimed it meanwhile, ended it.
    return this.#deadLetter(delivery.id, fields, error, delivery.deliveries, settle);
  }

  /** Hands back a job that was never started: it goes to the end of the stream, at once. */
  async release(delivery: Delivery, { signal }: Settle = {}): Promise<void> {
    const fields = { job: String(delivery.job), payload: JSON.stringify(delivery.payload) };
    await this.#settle(delivery.id, { moveTo: { key: 'stream', fields }, signal });
  }

  /**
   * Closes both connections, once a read the component left waiting has ended. A command still
   * on its way was given up on (its caller stopped waiting for a server that does not answer):
   * the connections are dropped, not closed gracefully, which would wait for its reply.
   */
  async close(): Promise<void> {
    await this.#reading;
    this.#closing.abort();
    for (const client of [this.#client, this.#reader]) {
      // A connection still being made has no socket to destroy yet: it is ended once made.
      client.once('connect', () => client.destroy());
      client.destroy();
    }
  }

  #deadLetter(
    id: string,
    fields: Record<string, string>,
    error: string,
    deliveries: number,
    { signal }: Settle = {},
  ): Promise<boolean> {
    const letter = { ...fields, error, deliveries: String(deliveries), consumer: this.consumer };
    return this.#settle(id, { moveTo: { key: 'dead', fields: letter }, signal });
  }

  /**
   * Queues the end of entry `id` for the settler, which sends every end queued by then in one
   * script call. Resolves with whether this acknowledged it: false when another consumer had.
   */
  #settle(id: string, end: Pick<Settlement, 'result' | 'moveTo' | 'signal'>): Promise<boolean> {
    return new Promise((resolve, reject) => {
      end.signal?.throwIfAborted();
      const settlement: Settlement = {
        id,
        ...end,
        retried: false,
        abandoned: false,
        resolve: (acknowledged) => {
          this.#unwatch(settlement);
          this.#forget(id);
          resolve(acknowledged);
        },
        reject: (error) => {
          this.#unwatch(settlement);
          reject(error);
        },
      };
      this.#watch(settlement);
      this.#unsettled.push(settlement);
      this.#settling ??= this.#settleQueued();
    });
  }

  /**
   * Gives up on `settlement` once its signal aborts: it is not sent any more. One listener for
   * all the ends waiting on one signal, however many they are, and none once they have ended.
   */
  #watch(settlement: Settlement): void {
    const { signal } = settlement;
    if (signal === undefined) return;
    let waiting = this.#waitingOn.get(signal);
    if (waiting === undefined) {
      const ends = new Set<Settlement>();
      const onAbort = () => {
        this.#waitingOn.delete(signal);
        for (const abandoned of ends) {
          abandoned.abandoned = true;
          const queued = this.#unsettled.indexOf(abandoned);
          if (queued >= 0) this.#unsettled.splice(queued, 1);
          abandoned.reject(signal.reason as Error);
        }
      };
      waiting = { ends, onAbort };
      this.#waitingOn.set(signal, waiting);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    waiting.ends.add(settlement);
  }

  #unwatch(settlement: Settlement): void {
    const { signal } = settlement;
    const waiting = signal && this.#waitingOn.get(signal);
    if (!waiting) return;
    waiting.ends.delete(settlement);
    if (waiting.ends.size > 0) return;
    this.#waitingOn.delete(signal!);
    signal!.removeEventListener('abort', waiting.onAbort);
  }

  async #settleQueued(): Promise<void> {
    // Ends handed over in the same turn of the event loop go out in the first call.
    await Promise.resolve();
    try {
      while (this.#unsettled.length > 0) {
        await this.#settleBatch(this.#unsettled.splice(0, settleBatchMax));
      }
    } finally {
      this.#settling = undefined;
    }
  }

  /**
   * Sends `batch` in one script call until the server answers, and settles each with its
   * outcome; an error no retry can help rejects them all.
   */
  async #settleBatch(batch: Settlement[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const live = batch.filter((settlement) => !settlement.abandoned);
      if (live.length === 0) return;
      const args = [this.group];
      for (const { id, result = ['', ''], moveTo } of live) {
        const fields = Object.entries(moveTo?.fields ?? {}).flat();
        args.push(id, ...result, moveTo?.key ?? '', String(fields.length), ...fields);
      }
      const keys = [this.name, `${this.name}:dead`, `${this.name}:results`];
      let acked: number[];
      try {
        acked = (await this.#script(settleScript, keys, args)) as number[];
      } catch (error) {
        try {
          await this.#recover(error, attempt, this.#closing.signal);
        } catch (fatal) {
          live.forEach((settlement) => settlement.reject(fatal));
          return;
        }
        live.forEach((settlement) => (settlement.retried = true));
        continue;
      }
      live.forEach((settlement, index) => {
        // A reply lost after the server ran the script leaves the retry finding the job
        // acknowledged: by this consumer, when it has held the job for less than `claimIdle`,
        // as no other could have claimed it yet.
        const readAt = this.#held.get(settlement.id) ?? -Infinity;
        const ours = settlement.retried && performance.now() - readAt < this.#options.claimIdle;
        settlement.resolve(acked[index] === 1 || ours);
      });
      return;
    }
  }

  /** Runs a script by its digest, sending its text only when the server does not have it. */
  async #script(
    script: Script,
    keys: string[],
    args: string[],
    signal?: AbortSignal,
  ): Promise<unknown> {
    const client = signal ? this.#client.withAbortSignal(signal) : this.#client;
    try {
      return await client.evalSha(script.sha, { keys, arguments: args });
    } catch (error) {
      // Not loaded yet, or lost (a restart, SCRIPT FLUSH): EVAL runs it and loads it again.
      if (!(error instanceof ErrorReply && error.message.startsWith('NOSCRIPT'))) throw error;
      return client.eval(script.text, { keys, arguments: args });
    }
  }

  /**
   * The reply to a command sent with `signal`, waited for up to `replyGraceMs` after it aborts: the
   * caller must learn whether the command took effect. One still in the client's queue (the
   * connection down) is dropped at the abort instead, unsent, and rejects with `UnsentError`.
   */
  #replyOf<T>(reply: Promise<T>, signal: AbortSignal): Promise<T> {
    reply.catch(() => {});
    return unlessAborted(reply, signal, replyGraceMs);
  }

  /**
   * Runs `command` until it gets an answer, or `signal` aborts (rejects with its reason); see
   * `#recover` for what is tried again.
   */
  async #retry<T>(
    command: () => Promise<T>,
    { signal }: { signal?: AbortSignal } = {},
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
        await this.#recover(error, attempt, signal);
      }
    }
  }

  /**
   * Waits before try `attempt + 1` of a command that failed with `error`, or throws `error` if
   * no try can help. A broken connection (the client reconnects meanwhile) and a transient reply
   * (see `isTransient`) are tried again after a backoff, reported; a group that is gone (the
   * server lost its data: restarted without persistence, or flushed) is created again.
   */
  async #recover(error: unknown, attempt: number, signal?: AbortSignal): Promise<void> {
    if (!this.#started || signal?.aborted || !this.#client.isOpen) throw error;
    if (error instanceof ErrorReply && error.message.startsWith('NOGROUP')) {
      this.#options.onRetry(error, 0);
      await this.#createGroup().catch(() => {}); // a failure shows in the command's retry
      return;
    }
    if (!isTransient(error)) throw error;
    const delayMs = backoff(attempt);
    this.#options.onRetry(error as Error, delayMs);
    await sleep(delayMs, undefined, { signal });
  }
}

/** A stream entry as the client gives it. */
interface Entry {
  id: string;
  message: Record<string, string>;
}

/** An entry pending in the group, as XPENDING lists it. */
interface Pending {
  id: string;
  consumer: string;
  millisecondsSinceLastDelivery: number;
  deliveriesCounter: number;
}

interface Script {
  readonly text: string;
  readonly sha: string;
}

function script(text: string): Script {
  return { text, sha: createHash('sha1').update(text).digest('hex') };
}

// KEYS[1] the stream, KEYS[2] this producer's last add; ARGV[1] the most jobs the stream may
// hold, ARGV[2] the number of this produce call, then the entry's fields. The record expires
// after a day, so a producer that died leaves nothing behind.
const produceScript = script(`
if redis.call('GET', KEYS[2]) == ARGV[2] then return 1 end
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('XADD', KEYS[1], '*', unpack(ARGV, 3))
redis.call('SET', KEYS[2], ARGV[2], 'EX', 86400)
return 1
`);

// KEYS: the stream, its dead letters, its results. ARGV[1] the group, then for each entry: its
// id; its job and result (job '' for none); where its new entry goes ('' for none, 'stream' or
// 'dead'); how many field names and values follow; those. Returns each entry's XACK reply: the
// results are recorded first, and an entry another consumer has acknowledged meanwhile is
// neither put back nor dead-lettered twice. A script is not rolled back when a command fails,
// so the key types are checked before any write: a wrong one fails the call with nothing done,
// rather than leave entries acknowledged and never deleted.
const settleScript = script(`
for i, want in ipairs({'stream', 'stream', 'hash'}) do
  local t = redis.call('TYPE', KEYS[i]).ok
  if t ~= 'none' and t ~= want then
    return redis.error_reply('WRONGTYPE ' .. KEYS[i] .. ' is a ' .. t .. ', not a ' .. want)
  end
end
local results, acked, deleted = {}, {}, {}
local i = 2
while i <= #ARGV do
  if ARGV[i + 1] ~= '' then
    results[#results + 1] = ARGV[i + 1]
    results[#results + 1] = ARGV[i + 2]
  end
  i = i + 5 + tonumber(ARGV[i + 4])
end
if #results > 0 then redis.call('HSET', KEYS[3], unpack(results)) end
i = 2
while i <= #ARGV do
  local id, to, n = ARGV[i], ARGV[i + 3], tonumber(ARGV[i + 4])
  local one = redis.call('XACK', KEYS[1], ARGV[1], id)
  if one == 1 then
    if to ~= '' then
      redis.call('XADD', to == 'dead' and KEYS[2] or KEYS[1], '*', unpack(ARGV, i + 5, i + 4 + n))
    end
    deleted[#deleted + 1] = id
  end
  acked[#acked + 1] = one
  i = i + 5 + n
end
if #deleted > 0 then redis.call('XDEL', KEYS[1], unpack(deleted)) end
return acked
`);

/**
 * What `attempt` settles to, unless `signal` aborts and `graceMs` more pass first: then it
 * rejects with the signal's reason.
 */
async function unlessAborted<T>(attempt: Promise<T>, signal: AbortSignal, graceMs = 0): Promise<T> {
  signal.throwIfAborted();
  let onAbort = () => {};
  let grace: NodeJS.Timeout | undefined;
  const aborted = new Promise<never>((_, reject) => {
    const giveUp = () => reject(signal.reason as Error);
    onAbort = () => {
      if (graceMs === 0) giveUp();
      else grace = setTimeout(giveUp, graceMs);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([attempt, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort); // one listener per command would pile up
    clearTimeout(grace);
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

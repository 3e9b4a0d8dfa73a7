"""Redis Streams: a job source and acknowledger for the pattern components.

One ``Stream`` is one stream and its consumer group (``<stream>:workers``)
seen by one consumer. Producers ``produce`` entries; a worker feeds
``deliveries(stop)`` to a component as its job source and settles each
outcome with ``ack``, ``fail`` or ``release``. Every job is delivered at
least once:

- an entry stays pending until a worker acknowledges it; one whose worker
  died (pending, idle longer than ``claim_idle``) is claimed by another;
- ``ack`` records the result in ``<stream>:results`` before acknowledging,
  and deletes the entry, so the stream's length is its backlog: what no
  worker has acknowledged yet;
- after ``max_deliveries`` a failing job moves to ``<stream>:dead``.

The client is thread-safe: its pool gives each thread that sends a command
(the component's reader, the caller's thread) a connection of its own.
Open one ``Stream`` per process, or per producer thread. A lost connection
is retried with jittered exponential backoff, one line on stderr per retry.
"""

from __future__ import annotations

import json
import random
import socket
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import redis
from redis.backoff import NoBackoff
from redis.connection import Connection
from redis.retry import Retry
from redis.typing import EncodableT, FieldT

T = TypeVar("T")

FIRST_RETRY_S = 0.1
"""Backoff after the first failure; it doubles up to ``LAST_RETRY_S``."""
LAST_RETRY_S = 5.0
START_DEADLINE_S = 3.0
"""How long ``open`` keeps trying to reach the server before giving up."""
FULL_POLL_S = 0.03
"""How often a producer held back by a full stream looks again."""
STOP_POLL_S = 0.02
"""How often a wait looks at its stop."""
LONGEST_BLOCK_MS = 1000
"""A read blocks no longer than this, so that claims and stops are checked."""
_LOST = (redis.ConnectionError, redis.TimeoutError)
_SETTLE = """
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
if #ARGV > 2 then redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3)) end
redis.call('XDEL', KEYS[1], ARGV[2])
return 1
"""
"""Acknowledge an entry and, only if that acknowledged it, append (to the
stream or its dead letters) and delete it: so a worker whose job another
worker settled first neither hands it back nor buries it a second time."""
_Fields = dict[FieldT, EncodableT]


class UnreachableError(Exception):
    """The server could not be reached when the stream was opened."""


class _StoppedError(Exception):
    """The stop came while waiting for the connection."""


class GaveUpError(Exception):
    """The deadline came before the server settled the entry: it stays pending."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """One delivery of a job to this consumer."""

    job: int
    payload: dict[str, Any]
    id: str
    deliveries: int
    """How many times the job has been delivered, this time included."""
    claimed_from: str | None = None
    """The consumer it was claimed from; None when read fresh."""


def redact(url: str) -> str:
    """``url`` without its password: ``redis://user:***@host:6379/0``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


class Stream:
    """One stream and its consumer group, for one consumer; see ``open``."""

    def __init__(
        self,
        client: redis.Redis,
        name: str,
        consumer: str,
        claim_idle: float,
        max_deliveries: int,
        buffer: int | None,
        connections: _ReportReconnections,
    ) -> None:
        self._client, self._connections = client, connections
        self.name, self.consumer = name, consumer
        self.group, self.dead_letters = f"{name}:workers", f"{name}:dead"
        self.results = f"{name}:results"
        self.claim_idle, self.max_deliveries = claim_idle, max_deliveries
        self.buffer = buffer
        self._claim_idle_ms = max(1, round(claim_idle * 1000))
        self._block_ms = max(1, min(self._claim_idle_ms // 2, LONGEST_BLOCK_MS))
        self._settle_script = client.register_script(_SETTLE)
        # Held by deliveries() from a check of its stop to the end of the
        # command it then sends, so that close() cuts no read short.
        self._reading = threading.Lock()
        # The entries handed out and not yet settled: never claimed from
        # itself while one of its workers still runs the job.
        self._held: set[str] = set()
        self._held_lock = threading.Lock()

    @classmethod
    def open(
        cls,
        url: str,
        name: str,
        consumer: str,
        *,
        claim_idle: float = 30.0,
        max_deliveries: int = 5,
        buffer: int | None = None,
    ) -> Stream:
        """Connect and create the consumer group if missing.

        ``claim_idle`` (seconds): a pending entry idle this long is claimed,
        so make it longer than the longest job plus its wait in the queue:
        a job still running when claimed runs twice (acknowledged once);
        ``buffer``: the backlog ``produce`` waits under (None: no bound). It
        bounds one producer: several may each add one past it, as each
        looks at the length before it adds.
        Tries again quietly for ``START_DEADLINE_S`` (a server starting
        alongside), then raises UnreachableError; nothing is read from the
        stream then.
        """
        connections = _ReportReconnections()
        client = redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_connect_timeout=2,
            # Longer than a blocked read, so that only a dead peer times out.
            socket_timeout=LONGEST_BLOCK_MS / 1000 + 10,
            # Retries are ours: they are reported, and a stop cuts them short.
            retry=Retry(NoBackoff(), 0),
            redis_connect_func=connections,
        )
        stream = cls(
            client, name, consumer, claim_idle, max_deliveries, buffer, connections
        )
        deadline = time.monotonic() + START_DEADLINE_S
        delay = FIRST_RETRY_S
        while True:
            try:
                stream._create_group()
                return stream
            except _LOST as error:
                wait = random.uniform(0, delay)
                if time.monotonic() + wait > deadline:
                    client.close()
                    message = f"cannot reach {redact(url)}: {error}"
                    raise UnreachableError(message) from error
                time.sleep(wait)  # quietly: if it never comes, one line says so
                delay = min(delay * 2, LAST_RETRY_S)

    def _create_group(self) -> None:
        try:
            self._client.xgroup_create(self.name, self.group, id="0", mkstream=True)
        except redis.ResponseError as error:
            if not str(error).startswith("BUSYGROUP"):
                raise

    def close(self) -> None:
        """Close the connections, once a read in progress has ended.

        Set the stop of ``deliveries`` first: a read then ends within
        ``LONGEST_BLOCK_MS`` and releases what it got.
        """
        held = self._reading.acquire(timeout=LONGEST_BLOCK_MS / 1000 + 1)
        try:
            self._client.close()
        finally:
            if held:
                self._reading.release()

    def interrupt(self) -> None:
        """Cut its connections: a command waiting for a server that does not
        answer fails now, and is tried again, or given up if its deadline
        has come."""
        self._connections.cut()

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def backlog(self) -> int:
        """Entries not yet acknowledged: never delivered, or pending."""
        return self._retrying(lambda: self._client.xlen(self.name))

    def produce(
        self,
        job: int,
        payload: Mapping[str, object],
        *,
        stop: threading.Event | None = None,
    ) -> bool:
        """Append ``job``, once the backlog is under ``buffer``.

        Returns False, having added nothing, if ``stop`` is set while it
        waits for room. The stream is never trimmed: trimming drops jobs.
        """
        while self.buffer is not None and self.backlog() >= self.buffer:
            if _stopped_within(FULL_POLL_S, stop):
                return False
        fields: _Fields = {"job": job, "payload": json.dumps(payload)}
        self._retrying(lambda: self._client.xadd(self.name, fields))
        return True

    def deliveries(
        self,
        stop: threading.Event,
        *,
        abandoned: Callable[[Delivery, str], None] | None = None,
    ) -> Iterator[Delivery]:
        """The jobs for this consumer, until ``stop`` is set.

        It claims entries idle longer than ``claim_idle`` (their consumer
        died; never one it handed out and has not yet settled with ``ack``,
        ``fail`` or ``release``), else reads a new one, one entry at a time:
        the component's queue bounds what is held. A read blocks for at most
        a second, so a stop ends it within that; an entry read after the
        stop is released.
        An entry that cannot be parsed goes to the dead letters at once; so
        does a claimed one already delivered ``max_deliveries`` times, after
        ``abandoned(delivery, error)`` is told.
        """
        while True:
            with self._reading:
                if stop.is_set():
                    return
                try:
                    delivery = self._claim_one(stop, abandoned) or self._read_one(stop)
                except _StoppedError:
                    return
                if delivery is not None and stop.is_set():
                    self.release(delivery)
                    return
            if delivery is not None:
                with self._held_lock:
                    self._held.add(delivery.id)
                yield delivery

    def _claim_one(
        self,
        stop: threading.Event,
        abandoned: Callable[[Delivery, str], None] | None,
    ) -> Delivery | None:
        while True:
            with self._held_lock:
                held = set(self._held)
            # Enough to find one it does not hold, if there is one.
            pending = self._retrying(
                partial(
                    self._client.xpending_range,
                    self.name,
                    self.group,
                    "-",
                    "+",
                    len(held) + 1,
                    idle=self._claim_idle_ms,
                ),
                stop,
            )
            idle = [entry for entry in pending if entry["message_id"] not in held]
            if not idle:
                return None
            entry_id = str(idle[0]["message_id"])
            previous = str(idle[0]["consumer"])
            count = int(idle[0]["times_delivered"])
            claim = partial(
                self._client.xclaim,
                self.name,
                self.group,
                self.consumer,
                self._claim_idle_ms,
                [entry_id],
            )
            entries = _entries(self._retrying(claim, stop))
            if not entries:
                continue  # another worker claimed it first, or it was deleted
            fields = entries[0][1]
            delivery = self._parse(entry_id, fields, count + 1, previous)
            if delivery is None:
                continue
            if count < self.max_deliveries:
                return delivery
            error = f"abandoned by {previous} after {count} deliveries"
            if abandoned is not None:
                abandoned(delivery, error)
            self._bury(entry_id, fields, error, count)

    def _read_one(self, stop: threading.Event) -> Delivery | None:
        reply = self._retrying(
            lambda: self._client.xreadgroup(
                self.group,
                self.consumer,
                {self.name: ">"},
                count=1,
                block=self._block_ms,
            ),
            stop,
        )
        # RESP2, the client's default: [[stream, [(id, fields), ...]]]
        for _, entries in reply if isinstance(reply, list) else []:
            for entry_id, fields in _entries(entries):
                return self._parse(entry_id, fields, 1, None)
        return None

    def _parse(
        self,
        entry_id: str,
        fields: dict[str, str],
        deliveries: int,
        claimed_from: str | None,
    ) -> Delivery | None:
        """The entry as a Delivery; a malformed one is buried, and None."""
        try:
            job_text = fields["job"]
            if not (job_text.isascii() and job_text.isdigit()):
                raise ValueError(f"job is not a decimal id: {job_text!r}")
            payload = json.loads(fields["payload"])
            if not isinstance(payload, dict):
                raise ValueError(f"payload is not a JSON object: {payload!r}")
        except (KeyError, ValueError) as error:
            reason = f"malformed entry: {type(error).__name__}: {error}"
            print(f"redis: {entry_id} {reason}", file=sys.stderr, flush=True)
            self._bury(entry_id, fields, reason, deliveries)
            return None
        return Delivery(int(job_text), payload, entry_id, deliveries, claimed_from)

    def ack(
        self,
        delivery: Delivery,
        result: object,
        *,
        deadline: threading.Event | None = None,
    ) -> bool:
        """Record ``result``, then acknowledge and delete the entry.

        False: another worker, which claimed the job while this one was
        slow, acknowledged it first (its result was the same). Raises
        GaveUpError if ``deadline`` is set before it is done.
        """
        record = partial(self._client.hset, self.results, str(delivery.job))
        self._before(deadline, partial(record, str(result)))
        acknowledged = self._settle(delivery.id, deadline=deadline)
        self._settled(delivery)
        return acknowledged

    def fail(
        self,
        delivery: Delivery,
        error: str,
        *,
        deadline: threading.Event | None = None,
    ) -> bool:
        """Record a failed delivery; True if this put the job in the dead letters.

        Before ``max_deliveries`` the entry stays pending, and any worker,
        this one too, claims it again after ``claim_idle``. False too when
        another worker, which claimed it meanwhile, settled it first.
        Raises GaveUpError if ``deadline`` is set before it is buried.
        """
        self._settled(delivery)
        if delivery.deliveries < self.max_deliveries:
            return False
        fields = {"job": str(delivery.job), "payload": json.dumps(delivery.payload)}
        return self._bury(
            delivery.id, fields, error, delivery.deliveries, deadline=deadline
        )

    def release(
        self, delivery: Delivery, *, deadline: threading.Event | None = None
    ) -> None:
        """Hand back a delivery never started: a new entry at the end.

        The job does not wait for ``claim_idle``, as a pending one would.
        Nothing is added if another worker claimed and settled it meanwhile.
        Raises GaveUpError if ``deadline`` is set before it is handed back.
        """
        fields = {"job": str(delivery.job), "payload": json.dumps(delivery.payload)}
        self._settled(delivery)
        self._settle(delivery.id, (self.name, fields), deadline=deadline)

    def _settled(self, delivery: Delivery) -> None:
        with self._held_lock:
            self._held.discard(delivery.id)

    def _bury(
        self,
        entry_id: str,
        fields: Mapping[str, str],
        error: str,
        deliveries: int,
        *,
        deadline: threading.Event | None = None,
    ) -> bool:
        dead = {
            "job": fields.get("job", ""),
            "payload": fields.get("payload", ""),
            "error": error,
            "deliveries": str(deliveries),
            "consumer": self.consumer,
        }
        return self._settle(entry_id, (self.dead_letters, dead), deadline=deadline)

    def _settle(
        self,
        entry_id: str,
        append: tuple[str, Mapping[str, str]] | None = None,
        *,
        deadline: threading.Event | None = None,
    ) -> bool:
        """Acknowledge ``entry_id``; if that did, append ``append`` and delete it.

        Whether it acknowledged it: False, another worker did first.
        """
        target, fields = append or (self.name, {})
        pairs = [item for field in fields.items() for item in field]
        args = [self.group, entry_id, *pairs]
        run = partial(self._settle_script, keys=[self.name, target], args=args)
        acknowledged: int = self._before(deadline, run)
        return acknowledged == 1

    def _before(self, deadline: threading.Event | None, command: Callable[[], T]) -> T:
        """``command()``, retried until it succeeds or ``deadline`` is set."""
        if deadline is not None and deadline.is_set():
            raise GaveUpError("the deadline has passed")
        try:
            return self._retrying(command, deadline)
        except _StoppedError as error:
            raise GaveUpError("the deadline came while the server was away") from error

    def _retrying(
        self, command: Callable[[], T], stop: threading.Event | None = None
    ) -> T:
        """``command()``, again after a lost connection, until it succeeds.

        Raises _StoppedError if ``stop`` is set while it waits to try again.
        """
        delay, group_lost = FIRST_RETRY_S, False
        while True:
            try:
                if group_lost:
                    self._create_group()
                    group_lost = False
                return command()
            except redis.ResponseError as error:
                if group_lost or not str(error).startswith("NOGROUP"):
                    raise
                # The stream was deleted, or the server restarted without
                # its data: what is left to do is to go on with a new group.
                print(f"redis: {error}; creating it again", file=sys.stderr, flush=True)
                group_lost = True
            except _LOST as error:
                wait = random.uniform(0, delay)  # full jitter: workers spread out
                _report_retry(error, wait)
                if _stopped_within(wait, stop):
                    raise _StoppedError from error
                delay = min(delay * 2, LAST_RETRY_S)


def _entries(reply: object) -> list[tuple[str, dict[str, str]]]:
    """The (id, fields) of a list of entries; a deleted entry's fields are None."""
    entries = reply if isinstance(reply, list) else []
    return [
        (str(entry_id), {str(key): str(value) for key, value in fields.items()})
        for entry_id, fields in entries
        if isinstance(fields, dict)
    ]


class _ReportReconnections:
    """Says when a connection of the pool connects again: it had been lost.

    The pool reconnects a connection lost while idle before it sends a
    command on it, without an error to retry: this is where that shows.
    """

    def __init__(self) -> None:
        self._connected: weakref.WeakSet[Connection] = weakref.WeakSet()

    def __call__(self, connection: Connection) -> None:
        reconnected = connection in self._connected
        self._connected.add(connection)  # from now on, cut() reaches it
        connection.on_connect_check_health()  # what the pool does without us
        if reconnected:
            where = f"{connection.host}:{connection.port}"
            message = f"redis: connection to {where} was lost; reconnected"
            print(message, file=sys.stderr, flush=True)

    def cut(self) -> None:
        """Shut the sockets down; each thread sees it in its own command."""
        for connection in list(self._connected):
            # The thread using it disconnects it: shutting the socket down
            # ends its wait, without touching the connection under it.
            # redis-py gives no public handle on it; None once disconnected.
            sock: socket.socket | None = connection._sock
            if sock is not None:
                with suppress(OSError):  # closed meanwhile
                    sock.shutdown(socket.SHUT_RDWR)


def _stopped_within(seconds: float, stop: threading.Event | None) -> bool:
    """Sleep ``seconds``, or less if ``stop`` is set: whether it was.

    It only reads ``stop``, never waits on it: a signal handler that sets it
    while this thread is inside ``Event.wait`` would deadlock on its lock.
    """
    deadline = time.monotonic() + seconds
    while stop is None or not stop.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(left, STOP_POLL_S))
    return True


def _report_retry(error: BaseException, wait: float) -> None:
    message = f"redis: {error}; retrying in {round(wait * 1000)} ms"
    print(message, file=sys.stderr, flush=True)

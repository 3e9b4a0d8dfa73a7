"""Redis Streams on the event loop: a job source and acknowledger for the
pattern components.

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

Handlers must therefore be idempotent. A lost connection is retried with
jittered exponential backoff, one line on stderr per retry; a job in flight
goes on meanwhile, and its ``ack`` waits for the server.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
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
LONGEST_BLOCK_MS = 1000
"""A read blocks no longer than this, so that claims are checked."""
CLAIM_PAGE = 10
"""Idle entries looked up at once (besides its own); each is claimed when taken."""

_LOST = (RedisConnectionError, RedisTimeoutError)
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


@dataclass(frozen=True, slots=True)
class Delivery:
    """One delivery of one entry: the job and what the stream knows of it."""

    job: int
    payload: dict[str, Any]
    id: str
    deliveries: int
    """How many times the entry has been delivered, this time included."""
    claimed_from: str | None = None
    """The consumer it was claimed from; None when it was read fresh."""


class Stream:
    """One stream and its consumer group, seen by one consumer."""

    def __init__(
        self,
        client: Redis,
        name: str,
        consumer: str,
        claim_idle: float,
        max_deliveries: int,
        buffer: int | None,
    ) -> None:
        self._client = client
        self.name, self.consumer = name, consumer
        self.group, self.dead_letters = f"{name}:workers", f"{name}:dead"
        self.results = f"{name}:results"
        self.claim_idle, self.max_deliveries = claim_idle, max_deliveries
        self.buffer = buffer
        self._claim_idle_ms = max(1, round(claim_idle * 1000))
        # The entries handed out and not yet settled: never claimed from
        # itself while one of its workers still runs the job.
        self._held: set[str] = set()
        self._settle_script = client.register_script(_SETTLE)

    @classmethod
    async def open(
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
        client = Redis.from_url(
            url,
            decode_responses=True,
            socket_connect_timeout=2,
            # Longer than a blocked read, so that only a dead peer times out.
            socket_timeout=LONGEST_BLOCK_MS / 1000 + 10,
            # Retries are ours: they are reported, and a stop cuts them short.
            retry=Retry(NoBackoff(), 0),
        )
        stream = cls(client, name, consumer, claim_idle, max_deliveries, buffer)
        deadline = time.monotonic() + START_DEADLINE_S
        delay = FIRST_RETRY_S
        while True:
            try:
                await stream._create_group()
                return stream
            except _LOST as error:
                wait = random.uniform(0, delay)
                if time.monotonic() + wait > deadline:
                    await client.aclose()
                    message = f"cannot reach {redact(url)}: {error}"
                    raise UnreachableError(message) from error
                # Quietly: if it never comes, one line says so.
                await asyncio.sleep(wait)
                delay = min(delay * 2, LAST_RETRY_S)
            except BaseException:
                await client.aclose()
                raise

    async def _create_group(self) -> None:
        try:
            await self._client.xgroup_create(self.name, self.group, "0", mkstream=True)
        except ResponseError as error:
            if not str(error).startswith("BUSYGROUP"):
                raise

    async def close(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Stream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def backlog(self) -> int:
        """Entries not yet acknowledged: never delivered, or pending."""
        return await self._retrying(lambda: self._client.xlen(self.name))

    async def produce(
        self,
        job: int,
        payload: Mapping[str, object],
        *,
        stop: asyncio.Event | None = None,
    ) -> bool:
        """Append ``job``, once the backlog is under ``buffer``.

        Returns False, having added nothing, if ``stop`` is set while it
        waits for room. The stream is never trimmed: trimming drops jobs.
        """
        # Polled: the backlog shrinks in other processes, on other machines,
        # and Redis tells no one when a stream gets shorter.
        while self.buffer is not None and await self.backlog() >= self.buffer:
            if stop is None:
                await asyncio.sleep(FULL_POLL_S)
            elif await _set_within(stop, FULL_POLL_S):
                return False
        fields = _entry(job, payload)
        await self._retrying(lambda: self._client.xadd(self.name, fields))
        return True

    async def deliveries(
        self,
        stop: asyncio.Event,
        *,
        abandoned: Callable[[Delivery, str], None] | None = None,
    ) -> AsyncGenerator[Delivery, None]:
        """The jobs for this consumer, until ``stop`` is set.

        It claims entries idle longer than ``claim_idle`` (their consumer
        died; never one it handed out and has not yet settled with ``ack``,
        ``fail`` or ``release``), else reads a new one, one entry at a time:
        the component's queue bounds what is held. A stop ends a blocked
        read at once; an entry read as it came is released. An entry that
        cannot be parsed goes to the dead letters at once; so does a claimed
        one already delivered ``max_deliveries`` times, after
        ``abandoned(delivery, error)`` is told.
        """
        # A blocked read returns at least this often: claims must come
        # round even when no new job does.
        block_ms = max(1, min(self._claim_idle_ms // 2, LONGEST_BLOCK_MS))
        candidates: list[tuple[str, str, int]] = []  # (id, consumer, deliveries)
        next_scan = 0.0
        while not stop.is_set():
            if not candidates and time.monotonic() >= next_scan:
                candidates = await self._idle_entries()
                # A full page may hide more; otherwise look again as often as
                # a blocked read returns at most.
                scan_ms = 0 if len(candidates) == CLAIM_PAGE else block_ms
                next_scan = time.monotonic() + scan_ms / 1000
            if candidates:
                delivery = await self._claim(*candidates.pop(0), abandoned)
            else:
                delivery = await self._read_new(stop, block_ms)
            if delivery is not None and stop.is_set():
                await self.release(delivery)
            elif delivery is not None:
                self._held.add(delivery.id)
                yield delivery

    async def ack(self, delivery: Delivery, result: object) -> bool:
        """Record the result, then acknowledge and delete the entry.

        Returns False when another consumer, which claimed the job while this
        one was slow, acknowledged it first: its result is the same one.
        """
        await self._retrying(
            lambda: self._client.hset(self.results, str(delivery.job), str(result))
        )
        acknowledged = await self._settle(delivery.id)
        self._held.discard(delivery.id)
        return acknowledged

    async def fail(self, delivery: Delivery, error: str) -> bool:
        """Record a failed delivery; True if this put the job in the dead letters.

        Before ``max_deliveries`` the entry stays pending, and any worker,
        this one too, claims it again after ``claim_idle``. False too when
        another worker, which claimed it meanwhile, settled it first.
        """
        self._held.discard(delivery.id)
        if delivery.deliveries < self.max_deliveries:
            return False
        fields = {"job": str(delivery.job), "payload": json.dumps(delivery.payload)}
        return await self._bury(delivery.id, fields, error, delivery.deliveries)

    async def release(self, delivery: Delivery) -> None:
        """Hand back a delivery never started: a new entry at the end.

        The job does not wait for ``claim_idle``, as a pending one would.
        Nothing is added if another worker claimed and settled it meanwhile.
        """
        fields = {"job": str(delivery.job), "payload": json.dumps(delivery.payload)}
        await self._settle(delivery.id, (self.name, fields))
        self._held.discard(delivery.id)

    async def _idle_entries(self) -> list[tuple[str, str, int]]:
        """(id, consumer, deliveries so far) of entries idle past ``claim_idle``,
        but for those it holds."""
        held = set(self._held)
        page = len(held) + CLAIM_PAGE
        pending = await self._retrying(
            lambda: self._client.xpending_range(
                self.name, self.group, "-", "+", page, idle=self._claim_idle_ms
            )
        )
        return [
            (
                str(entry["message_id"]),
                str(entry["consumer"]),
                int(entry["times_delivered"]),
            )
            for entry in pending
            if entry["message_id"] not in held
        ][:CLAIM_PAGE]

    async def _claim(
        self,
        entry_id: str,
        previous: str,
        count: int,
        abandoned: Callable[[Delivery, str], None] | None,
    ) -> Delivery | None:
        # Atomic: if another consumer claimed it since XPENDING, or it was
        # acknowledged, this returns nothing and the entry is not ours.
        claimed = await self._retrying(
            lambda: self._client.xclaim(
                self.name, self.group, self.consumer, self._claim_idle_ms, [entry_id]
            )
        )
        entries = _entries(claimed)
        if not entries:
            return None
        fields = entries[0][1]
        delivery = await self._parse(entry_id, fields, count + 1, previous)
        if delivery is None or count < self.max_deliveries:
            return delivery
        error = f"abandoned by {previous} after {count} deliveries"
        if abandoned is not None:
            abandoned(delivery, error)
        await self._bury(entry_id, fields, error, count)
        return None

    async def _read_new(self, stop: asyncio.Event, block_ms: int) -> Delivery | None:
        read = asyncio.ensure_future(
            self._retrying(
                lambda: self._client.xreadgroup(
                    self.group,
                    self.consumer,
                    {self.name: ">"},
                    count=1,
                    block=block_ms,
                )
            )
        )
        stopped = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait((read, stopped), return_when=asyncio.FIRST_COMPLETED)
        finally:
            # A stop ends a blocked read at once: the client drops the
            # connection of the read it cancels, and opens another next time.
            for waiting in (read, stopped):
                waiting.cancel()
            await asyncio.gather(read, stopped, return_exceptions=True)
        if read.cancelled():
            return None
        # RESP2, the client's default: [[stream, [(id, fields), ...]]]
        reply = read.result()
        for _, entries in reply if isinstance(reply, list) else []:
            for entry_id, fields in _entries(entries):
                return await self._parse(entry_id, fields, 1, None)
        return None

    async def _parse(
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
            # It can never succeed: dead at once, whatever its count.
            reason = f"malformed entry: {type(error).__name__}: {error}"
            print(f"redis: {entry_id} {reason}", file=sys.stderr, flush=True)
            await self._bury(entry_id, fields, reason, deliveries)
            return None
        return Delivery(int(job_text), payload, entry_id, deliveries, claimed_from)

    async def _bury(
        self, entry_id: str, fields: Mapping[str, str], error: str, deliveries: int
    ) -> bool:
        dead = {
            "job": fields.get("job", ""),
            "payload": fields.get("payload", ""),
            "error": error,
            "deliveries": str(deliveries),
            "consumer": self.consumer,
        }
        return await self._settle(entry_id, (self.dead_letters, dead))

    async def _settle(
        self, entry_id: str, append: tuple[str, Mapping[str, str]] | None = None
    ) -> bool:
        """Acknowledge ``entry_id``; if that did, append ``append`` and delete it.

        Whether it acknowledged it: False, another worker did first.
        """
        target, fields = append or (self.name, {})
        pairs = [item for field in fields.items() for item in field]
        args = [self.group, entry_id, *pairs]
        acknowledged: int = await self._retrying(
            lambda: self._settle_script(keys=[self.name, target], args=args)
        )
        return acknowledged == 1

    async def _retrying(self, command: Callable[[], Awaitable[T]]) -> T:
        """``await command()``, again after a lost connection or group, until
        it succeeds.

        A stop cancels the task that waits here, like any other await.
        """
        delay, group_lost = FIRST_RETRY_S, False
        while True:
            try:
                if group_lost:
                    await self._create_group()
                    group_lost = False
                return await command()
            except ResponseError as error:
                if group_lost or not str(error).startswith("NOGROUP"):
                    raise
                # The stream was deleted, or the server restarted without
                # its data: what is left to do is to go on with a new group.
                print(f"redis: {error}; creating it again", file=sys.stderr)
                group_lost = True
            except _LOST as error:
                wait = random.uniform(0, delay)  # full jitter: workers spread out
                _report_retry(error, wait)
                await asyncio.sleep(wait)
                delay = min(delay * 2, LAST_RETRY_S)


def redact(url: str) -> str:
    """``url`` without its password: ``redis://user:***@host:6379/0``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


async def _set_within(event: asyncio.Event, seconds: float) -> bool:
    """Whether ``event`` is set, waiting at most ``seconds`` for it."""
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except TimeoutError:
        return False
    return True


def _entry(job: int, payload: Mapping[str, object]) -> _Fields:
    return {"job": str(job), "payload": json.dumps(payload)}


def _entries(reply: object) -> list[tuple[str, dict[str, str]]]:
    """The (id, fields) of a list of entries; a deleted entry's fields are None."""
    entries = reply if isinstance(reply, list) else []
    return [
        (str(entry_id), {str(key): str(value) for key, value in fields.items()})
        for entry_id, fields in entries
        if isinstance(fields, dict)
    ]


def _report_retry(error: BaseException, wait: float) -> None:
    message = f"redis: {error}; retrying in {round(wait * 1000)} ms"
    print(message, file=sys.stderr, flush=True)

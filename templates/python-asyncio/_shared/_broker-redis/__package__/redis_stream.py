"""Jobs carried by a Redis Stream and its consumer group, on the event loop.

A ``Stream`` is one consumer of the group ``<stream>:workers``: ``produce``
adds jobs (waiting while the backlog is full), ``deliveries`` is the job
source a component reads, and ``ack``, ``fail`` and ``release`` say what
became of each delivery. Every entry stays in the stream until it is
acknowledged, and is deleted then: the stream holds exactly the jobs not
yet done, so its length is the backlog and nothing is ever trimmed.

A job is delivered at least once: a worker that dies holding one leaves it
pending, and after ``claim_idle`` seconds any consumer claims it. Handlers
must therefore be idempotent; ``ack`` tells a caller when another consumer
finished the job first.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry
from redis.typing import EncodableT, FieldT

T = TypeVar("T")

RETRY_FIRST_S = 0.1
RETRY_CAP_S = 5.0
FULL_POLL_S = 0.025
"""How often ``produce`` looks again at a full backlog."""
CLAIM_PAGE = 10
"""Idle entries looked up at once; each is claimed only when it is taken."""
CONNECT_TIMEOUT_S = 5.0
"""The first connection: a server that cannot be reached fails ``open`` then."""
SOCKET_TIMEOUT_S = 10.0
"""Longer than any blocking read (at most 1 s): a silent peer is a lost connection."""

_LOST = (RedisConnectionError, RedisTimeoutError, OSError)


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
        stream: str,
        consumer: str,
        *,
        claim_idle: float,
        max_deliveries: int,
        buffer: int,
    ) -> None:
        self._client = client
        self.stream, self.consumer = stream, consumer
        self.group, self.dead, self.results = (
            f"{stream}:workers",
            f"{stream}:dead",
            f"{stream}:results",
        )
        self._claim_idle_ms = max(1, round(claim_idle * 1000))
        self._max_deliveries, self._buffer = max_deliveries, buffer

    @classmethod
    async def open(
        cls,
        url: str,
        stream: str,
        consumer: str,
        *,
        claim_idle: float,
        max_deliveries: int,
        buffer: int = 1,
    ) -> Stream:
        """Connect and create the group if it is missing.

        ``claim_idle`` is in seconds; ``buffer`` bounds the backlog that
        ``produce`` lets grow. Raises UnreachableError, with the URL without
        its password, when the server cannot be reached now: at start a
        wrong address must fail at once, not retry for ever.
        """
        client = Redis.from_url(
            url,
            decode_responses=True,
            socket_connect_timeout=CONNECT_TIMEOUT_S,
            socket_timeout=SOCKET_TIMEOUT_S,
            # Every command goes through Stream._retrying, which reports
            # each retry; the client's own retries would stay silent.
            retry=Retry(NoBackoff(), 0),
        )
        try:
            await client.xgroup_create(stream, f"{stream}:workers", "0", mkstream=True)
        except ResponseError as error:
            if not str(error).startswith("BUSYGROUP"):
                await client.aclose()
                raise
        except _LOST as error:
            await client.aclose()
            raise UnreachableError(f"cannot reach {redact(url)}: {error}") from error
        return cls(
            client,
            stream,
            consumer,
            claim_idle=claim_idle,
            max_deliveries=max_deliveries,
            buffer=buffer,
        )

    async def close(self) -> None:
        await self._client.aclose()

    async def produce(self, job: int, payload: dict[str, Any]) -> str:
        """Add a job once the backlog is below ``buffer``; return its entry id."""
        # Polled: the backlog shrinks in other processes, on other machines,
        # and Redis has no notification for a stream getting shorter.
        while await self.backlog() >= self._buffer:  # noqa: ASYNC110
            await asyncio.sleep(FULL_POLL_S)
        fields = _entry(job, payload)
        # Never MAXLEN: trimming drops jobs nobody has done.
        added = await self._retrying(lambda: self._client.xadd(self.stream, fields))
        return _text(added)

    async def backlog(self) -> int:
        """Jobs not yet delivered plus those delivered and not yet acknowledged."""
        return await self._retrying(lambda: self._client.xlen(self.stream))

    async def deliveries(
        self,
        stop: asyncio.Event,
        *,
        idle_exit: float = 0,
        on_dead: Callable[[Delivery, str], None] = lambda _delivery, _error: None,
    ) -> AsyncGenerator[Delivery, None]:
        """Each job for this consumer, one at a time, until ``stop`` is set.

        Entries idle for ``claim_idle`` come first (their consumer is
        presumed dead), then new ones. One entry is taken per step, so that
        nothing waits here while its claim time runs out. With
        ``idle_exit`` > 0 it also ends once the backlog has been empty that
        many seconds. A claimed entry already delivered ``max_deliveries``
        times goes to the dead-letter stream and to ``on_dead`` instead.
        """
        # A blocked read returns at least this often: claims and the idle
        # check must come round even when no new job does.
        max_block_ms = max(10, min(self._claim_idle_ms // 2, 1000))
        block_ms = max_block_ms
        if idle_exit > 0:
            block_ms = max(10, min(block_ms, round(idle_exit * 250)))
        idle_since: float | None = None
        candidates: list[tuple[str, str, int]] = []  # (id, consumer, deliveries)
        next_scan = 0.0
        while not stop.is_set():
            if not candidates and time.monotonic() >= next_scan:
                candidates = await self._idle_entries()
                # A full page may hide more; otherwise look again as often as
                # a blocked read returns at most.
                scan_ms = 0 if len(candidates) == CLAIM_PAGE else max_block_ms
                next_scan = time.monotonic() + scan_ms / 1000
            if candidates:
                delivery = await self._claim(*candidates.pop(0), on_dead)
            else:
                delivery = await self._read_new(stop, block_ms)
            if delivery is not None:
                idle_since = None
                yield delivery
            elif not candidates and idle_exit > 0:
                if await self.backlog() > 0:
                    idle_since = None
                elif idle_since is None:
                    idle_since = time.monotonic()
                elif time.monotonic() - idle_since >= idle_exit:
                    return

    async def ack(self, delivery: Delivery, result: object) -> bool:
        """Record the result, then acknowledge and delete the entry.

        Returns False when another consumer, which claimed the job while this
        one was slow, acknowledged it first: its result is the same one.
        """
        await self._retrying(
            lambda: self._client.hset(self.results, str(delivery.job), str(result))
        )
        acked, _ = await self._transaction(
            lambda pipe: pipe.xack(self.stream, self.group, delivery.id).xdel(
                self.stream, delivery.id
            )
        )
        return bool(acked)

    async def fail(self, delivery: Delivery, error: BaseException | str) -> bool:
        """Dead-letter the job if this was its last delivery; return whether it was.

        Otherwise the entry stays pending, and after ``claim_idle`` it is
        claimed again, by any consumer.
        """
        if delivery.deliveries < self._max_deliveries:
            return False
        await self._dead_letter(delivery, _message(error))
        return True

    async def release(self, delivery: Delivery) -> None:
        """Hand back a delivery that was never started: at the end of the stream
        at once, not after the claim time."""
        fields = _entry(delivery.job, delivery.payload)
        await self._transaction(
            lambda pipe: (
                pipe.xadd(self.stream, fields)
                .xack(self.stream, self.group, delivery.id)
                .xdel(self.stream, delivery.id)
            )
        )

    async def _idle_entries(self) -> list[tuple[str, str, int]]:
        pending = await self._retrying(
            lambda: self._client.xpending_range(
                self.stream,
                self.group,
                "-",
                "+",
                CLAIM_PAGE,
                idle=self._claim_idle_ms,
            )
        )
        return [
            (
                _text(entry["message_id"]),
                _text(entry["consumer"]),
                int(entry["times_delivered"]),
            )
            for entry in pending
        ]

    async def _claim(
        self,
        entry_id: str,
        owner: str,
        delivered: int,
        on_dead: Callable[[Delivery, str], None],
    ) -> Delivery | None:
        # Atomic: if another consumer claimed it since XPENDING, or it was
        # acknowledged, this returns nothing and the entry is not ours.
        claimed = await self._retrying(
            lambda: self._client.xclaim(
                self.stream, self.group, self.consumer, self._claim_idle_ms, [entry_id]
            )
        )
        if not claimed or not isinstance(claimed[0], tuple):
            return None
        delivery = await self._parse(claimed[0], delivered + 1, owner)
        if delivery is not None and delivered >= self._max_deliveries:
            error = f"abandoned by {owner} after {delivered} deliveries"
            await self._dead_letter(delivery, error)
            on_dead(delivery, error)
            return None
        return delivery

    async def _read_new(self, stop: asyncio.Event, block_ms: int) -> Delivery | None:
        read = asyncio.ensure_future(
            self._retrying(
                lambda: self._client.xreadgroup(
                    self.group,
                    self.consumer,
                    {self.stream: ">"},
                    count=1,
                    block=block_ms,
                )
            )
        )
        stopped = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait((read, stopped), return_when=asyncio.FIRST_COMPLETED)
        finally:
            # A stop ends a blocked read at once; the client drops the
            # connection it was read on, and connects again for the next command.
            for waiting in (read, stopped):
                waiting.cancel()
            await asyncio.gather(read, stopped, return_exceptions=True)
        if read.cancelled():
            return None
        # [[stream, [entry]]] in RESP2, the protocol the client speaks by default.
        for _stream, entries in cast("list[list[Any]]", read.result() or []):
            for entry in entries:
                return await self._parse(entry, 1, None)
        return None

    async def _parse(
        self, entry: tuple[Any, Any], deliveries: int, claimed_from: str | None
    ) -> Delivery | None:
        """The entry as a Delivery, or None once a malformed one is dead-lettered."""
        entry_id, fields = _text(entry[0]), cast("dict[str, str]", entry[1])
        try:
            job = int(fields["job"])
            payload = json.loads(fields["payload"])
            if not isinstance(payload, dict):
                raise TypeError(f"payload is not a JSON object: {fields['payload']}")
        except (KeyError, ValueError, TypeError) as error:
            # It can never succeed: dead at once, whatever its count.
            text = f"malformed entry: {_message(error)}"
            await self._transaction(
                lambda pipe: (
                    pipe.xadd(
                        self.dead,
                        {
                            "job": str(fields.get("job", "")),
                            "payload": str(fields.get("payload", "")),
                            "error": text,
                            "deliveries": str(deliveries),
                            "consumer": self.consumer,
                        },
                    )
                    .xack(self.stream, self.group, entry_id)
                    .xdel(self.stream, entry_id)
                )
            )
            print(f"redis: entry {entry_id} dead-lettered, {text}", file=sys.stderr)
            return None
        return Delivery(job, payload, entry_id, deliveries, claimed_from)

    async def _dead_letter(self, delivery: Delivery, error: str) -> None:
        letter: dict[FieldT, EncodableT] = {
            "job": str(delivery.job),
            "payload": json.dumps(delivery.payload),
            "error": error,
            "deliveries": str(delivery.deliveries),
            "consumer": self.consumer,
        }
        await self._transaction(
            lambda pipe: (
                pipe.xadd(self.dead, letter)
                .xack(self.stream, self.group, delivery.id)
                .xdel(self.stream, delivery.id)
            )
        )

    async def _transaction(self, queue: Callable[[Any], Any]) -> list[Any]:
        """Run the commands ``queue`` adds to a pipeline in one MULTI/EXEC."""

        async def run() -> list[Any]:
            async with self._client.pipeline(transaction=True) as pipe:
                queue(pipe)
                return await pipe.execute()

        return await self._retrying(run)

    async def _retrying(self, command: Callable[[], Awaitable[T]]) -> T:
        """Run ``command`` until the server answers, reporting each lost try.

        Full jitter: a random wait up to an exponential bound, so that many
        workers that lost the same server do not all come back at once.
        """
        bound = RETRY_FIRST_S
        while True:
            try:
                return await command()
            except _LOST as error:
                wait = random.uniform(0, bound)
                print(
                    f"redis: {_message(error)}; retrying in {round(wait * 1000)} ms",
                    file=sys.stderr,
                    flush=True,
                )
                await asyncio.sleep(wait)
                bound = min(bound * 2, RETRY_CAP_S)


def redact(url: str) -> str:
    """The URL with its password, if any, replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


def _entry(job: int, payload: dict[str, Any]) -> dict[FieldT, EncodableT]:
    return {"job": str(job), "payload": json.dumps(payload)}


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _message(error: BaseException | str) -> str:
    if isinstance(error, str):
        return error
    return str(error) or type(error).__name__

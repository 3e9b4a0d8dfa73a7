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

Handlers must therefore be idempotent. The stream reads only for free
capacity: at most ``capacity`` entries are held (read and not yet settled),
each read brings as many as are free. A read whose reply was lost (the
connection failed after sending it) may have delivered entries all the
same: they are pending to this consumer, unseen, and it takes them back
before it reads again rather than leave them for ``claim_idle``.
Settlements queue to one settler task, which sends all those queued (up to
``SETTLE_BATCH``) in one script call: under load one round trip settles
many jobs, a lone job still one.

A lost connection, or a reply that says the server is busy for a while
(``LOADING``, ``BUSY``, ...), is retried with jittered exponential backoff,
one line on stderr per retry; a job in flight goes on meanwhile, and its
``ack`` waits for the server. Any other error reply is raised, once, as
the client's exception: the stream stops reading and settling, and what it
holds stays pending.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import time
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from redis.asyncio import Connection, ConnectionPool, Redis, UnixDomainSocketConnection
from redis.asyncio.connection import AbstractConnection
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.maint_notifications import MaintNotificationsConfig
from redis.retry import Retry
from redis.typing import StreamIdT, XReadGroupResponse

from .redis_wire import (
    FULL_POLL_S,
    LAST_TRY_LEAD_S,
    LONGEST_BLOCK_MS,
    NO_ANSWER,
    SETTLE_BATCH,
    START_DEADLINE_S,
    Backoff,
    Claim,
    Delivery,
    Keys,
    MalformedEntryError,
    Pending,
    Settlement,
    UnreachableError,
    abandoned_error,
    after,
    block_ms,
    delivered_by_lost_reads,
    entries,
    entry_fields,
    idle_claims,
    is_existing_group,
    is_lost_group,
    is_lost_reply,
    is_transient,
    lost_read_claims,
    new_producer_token,
    parse_entry,
    pending_entries,
    produce_args,
    producer_key,
    read_entries,
    reconnected_line,
    recovered_line,
    redact,
    retry_line,
    settle_args,
    settle_keys,
    settled_by_us,
    unheld,
)
from .redis_wire import PRODUCE as PRODUCE_SCRIPT
from .redis_wire import SETTLE as SETTLE_SCRIPT
from .worker_pool import cancel_until_ended

__all__ = ["Delivery", "Stream", "UnreachableError", "redact"]

T = TypeVar("T")

CLAIM_PAGE = 10
"""Idle entries looked up at once, besides those it holds."""
START_UP_CANCEL_AGAIN_S = 0.1
"""How long a start-up cut short may run on before it is cancelled again."""
SETTLE_WAIT_S = 0.001
"""How long the settler waits for the jobs still running here to end, so
that they share its round trip. Without it, on a loop busy with short jobs,
each reply comes back before the next outcome and every batch holds one."""


@dataclass(slots=True)
class _Queued:
    """One settlement queued to the settler, and who waits for its outcome."""

    settlement: Settlement
    delivery: Delivery | None  # None: an entry that never was a Delivery
    outcome: asyncio.Future[bool] | None  # None: nobody waits (a burial)


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
        capacity: int,
    ) -> None:
        self._client = client
        self.name, self.consumer = name, consumer
        self._keys = Keys.of(name)
        self.group = self._keys.group
        self.claim_idle, self.max_deliveries = claim_idle, max_deliveries
        self.buffer, self.capacity = buffer, capacity
        self._claim_idle_ms = max(1, round(claim_idle * 1000))
        # The ids of the entries read and not yet settled: never claimed from
        # itself, and at ``capacity`` it reads no more.
        self._held: set[str] = set()
        self._room = asyncio.Event()  # set when a settlement frees a slot
        self._queued: list[_Queued] = []
        self._all_queued = asyncio.Event()  # each entry it holds awaits settling
        self._settler: asyncio.Task[None] | None = None
        self._sending = False  # a batch is on its way to the server
        self._gave_up_settling = False  # at the drain deadline: nothing more sent
        self._failure: Exception | None = None  # ends its reading and settling
        # When the earliest read (or XCLAIM) whose reply was lost, and whose
        # entries are not yet taken back, was sent (time.monotonic).
        self._lost_read_sent_at: float | None = None
        self._settle_script = client.register_script(SETTLE_SCRIPT)
        self._produce_script = client.register_script(PRODUCE_SCRIPT)
        # Numbers this Stream's produce calls under a token of its own, so
        # that a call tried again after a lost reply adds its job once.
        self._producer_key = producer_key(name, new_producer_token())
        self._produce_calls = itertools.count(1)

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
        capacity: int = 1,
    ) -> Stream:
        """Connect and create the consumer group if missing.

        ``claim_idle`` (seconds): a pending entry idle this long is claimed,
        so make it longer than the longest job: a job still running when
        claimed runs twice (acknowledged once); ``buffer``: the backlog
        ``produce`` waits under (None: no bound); ``capacity``: how many
        jobs the consumer runs at once, the most ``deliveries`` holds.
        Tries again quietly for ``START_DEADLINE_S`` (a server starting
        alongside), then raises UnreachableError, as it does at the deadline
        for a server that never answers; nothing is read from the stream
        then. Cancelling it (a stop during the start-up) ends
        whatever it waits for: a connection, a reply, the next try.
        """
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        pool = _ReportingPool.from_url(
            url,
            decode_responses=True,
            socket_connect_timeout=2,
            # Longer than a blocked read, so that only a dead peer times out.
            socket_timeout=LONGEST_BLOCK_MS / 1000 + 10,
            # Retries are ours: they are reported, and a stop cuts them short.
            retry=Retry(NoBackoff(), 0),
            # With them on, the pool hands out a connection the server has
            # closed, and its next command fails; with them off, the pool
            # sees the close and connects again first.
            maint_notifications_config=MaintNotificationsConfig(enabled=False),
        )
        client = Redis.from_pool(pool)
        stream = cls(
            client, name, consumer, claim_idle, max_deliveries, buffer, capacity
        )
        try:
            await stream._create_group_in_time(redact(url))
        except BaseException:  # unreachable, or cancelled by a stop
            await client.aclose()
            raise
        return stream

    async def _create_group_in_time(self, url: str) -> None:
        """Create the group, trying again quietly for ``START_DEADLINE_S``.

        The deadline cuts a try short too: it would end by itself only at
        the socket timeout, long after, when the server takes the
        connection and is silent.
        """
        deadline = asyncio.get_running_loop().time() + START_DEADLINE_S
        trying = asyncio.ensure_future(self._create_group_retrying_until(deadline, url))
        try:
            await asyncio.wait((trying,), timeout=START_DEADLINE_S)
        finally:  # the deadline came, or a stop cancelled the start-up
            await cancel_until_ended((trying,), START_UP_CANCEL_AGAIN_S)
        if trying.cancelled():
            raise UnreachableError(f"cannot reach {url}: {NO_ANSWER}")
        trying.result()  # raises UnreachableError

    async def _create_group_retrying_until(self, deadline: float, url: str) -> None:
        """Create the group, trying again quietly until ``deadline`` (the
        loop's time), the last try just before it."""
        loop = asyncio.get_running_loop()
        backoff = Backoff()
        while True:
            try:
                await self._create_group()
                return
            except RedisError as error:
                left = deadline - LAST_TRY_LEAD_S - loop.time()
                if not is_transient(error) or left <= 0:
                    message = f"cannot reach {url}: {error}"
                    raise UnreachableError(message) from error
                wait = min(backoff.next_wait(), left)
            # Quietly: if it never comes, one line says so.
            await asyncio.sleep(wait)

    async def _create_group(self) -> None:
        try:
            await self._client.xgroup_create(self.name, self.group, "0", mkstream=True)
        except RedisError as error:
            if not is_existing_group(error):
                raise

    async def close(self) -> None:
        """Wait until every settlement queued is sent, then disconnect."""
        try:
            if self._settler is not None:
                # Not awaited itself: a settler cancelled at the drain
                # deadline must not cancel the close.
                await asyncio.wait((self._settler,))
        finally:
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
        waits for room. The length is compared and the entry added in one
        script, so producers together never pass ``buffer``. The stream is
        never trimmed: trimming drops jobs.
        """
        number = next(self._produce_calls)
        args = produce_args(self.buffer, number, job, payload)
        keys = [self.name, self._producer_key]
        # Polled: the backlog shrinks in other processes, on other machines,
        # and Redis tells no one when a stream gets shorter.
        while not await self._retrying(
            lambda: self._produce_script(keys=keys, args=args)
        ):
            if stop is None:
                await asyncio.sleep(FULL_POLL_S)
            elif await _set_within(stop, FULL_POLL_S):
                return False
        return True

    async def deliveries(
        self,
        stop: asyncio.Event,
        *,
        abandoned: Callable[[Delivery, str], None] | None = None,
    ) -> AsyncGenerator[Delivery, None]:
        """The jobs for this consumer, until ``stop`` is set.

        Each round trip takes as many entries as it has free capacity:
        first those that a read whose reply was lost delivered to it
        (handed out as read fresh, that delivery counted), then those idle
        longer than ``claim_idle`` (their consumer died; never one it
        holds), else new ones; at full capacity it waits for a settlement.
        A stop ends a blocked read at once; entries read and not handed out
        by then are released. An entry that cannot be parsed goes to the
        dead letters at once; so does a claimed or recovered one already
        delivered ``max_deliveries`` times, after ``abandoned(delivery,
        error)`` is told (``claimed_from`` None for a recovered one: it was
        this consumer's own). Raises the client's error once the server refused
        a command of this stream for good.
        """
        blocked_ms = block_ms(self._claim_idle_ms)
        read: deque[Delivery] = deque()
        next_scan = 0.0
        try:
            while not stop.is_set():
                if self._failure is not None:
                    raise self._failure
                if read:
                    yield read.popleft()
                    continue
                room = self.capacity - len(self._held)
                # While a batch is being settled, more room is coming: one
                # read after it takes all, where one now would take a few,
                # and the jobs would end, and settle, a few at a time.
                if room <= 0 or (room < self.capacity and self._sending):
                    await self._until_room(stop)
                    continue
                if self._lost_read_sent_at is not None:
                    read.extend(await self._recover_lost_reads(room, abandoned))
                if not read and time.monotonic() >= next_scan:
                    claimed, full_page = await self._claim(room, abandoned)
                    read.extend(claimed)
                    # A full page may hide more; otherwise look again as
                    # often as a blocked read returns at most.
                    wait_ms = 0 if full_page else blocked_ms
                    next_scan = time.monotonic() + wait_ms / 1000
                # Not while a lost reply's entries wait: they go first.
                if not read and not stop.is_set() and self._lost_read_sent_at is None:
                    read.extend(await self._read_new(stop, blocked_ms, room))
        finally:
            # Read, but never handed to a worker: back to the stream now.
            for delivery in read:
                self._enqueue(_Queued(Settlement.release(delivery), delivery, None))

    def ack(self, delivery: Delivery, result: object) -> asyncio.Future[bool]:
        """Record the result, then acknowledge and delete the entry.

        Queued to the settler at once; the future says whether this
        acknowledged it: False when another consumer, which claimed the job
        while this one was slow, acknowledged it first (its result is the
        same one). It raises the client's error if the server refused.
        """
        return self._queue(Settlement.ack(delivery, result), delivery)

    def fail(self, delivery: Delivery, error: str) -> asyncio.Future[bool]:
        """Record a failed delivery; the future says whether this put the job
        in the dead letters.

        Before ``max_deliveries`` the entry stays pending, and any worker,
        this one too, claims it again after ``claim_idle``. False too when
        another worker, which claimed it meanwhile, settled it first.
        """
        if delivery.deliveries < self.max_deliveries:
            self._held.discard(delivery.id)
            self._room.set()
            kept: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            kept.set_result(False)
            return kept
        fields = entry_fields(delivery.job, delivery.payload)
        count, me = delivery.deliveries, self.consumer
        burial = Settlement.dead(delivery.id, fields, error, count, me)
        return self._queue(burial, delivery)

    def release(self, delivery: Delivery) -> asyncio.Future[bool]:
        """Hand back a delivery never started: a new entry at the end.

        The job does not wait for ``claim_idle``, as a pending one would.
        Nothing is added if another worker claimed and settled it meanwhile.
        """
        return self._queue(Settlement.release(delivery), delivery)

    def abandon_settling(self) -> None:
        """Stop sending settlements, for good: those queued or in flight, and
        any later one, stay pending, and their futures are cancelled."""
        self._gave_up_settling = True
        if self._settler is not None:
            self._settler.cancel()

    def _queue(
        self, settlement: Settlement, delivery: Delivery
    ) -> asyncio.Future[bool]:
        outcome = asyncio.get_running_loop().create_future()
        if self._failure is not None:
            outcome.set_exception(self._failure)
        elif self._gave_up_settling:
            outcome.cancel()
        else:
            self._enqueue(_Queued(settlement, delivery, outcome))
        return outcome

    def _enqueue(self, queued: _Queued) -> None:
        if self._failure is not None or self._gave_up_settling:
            return  # it stays pending, as all this stream holds
        self._queued.append(queued)
        if len(self._queued) >= min(len(self._held), SETTLE_BATCH):
            self._all_queued.set()
        if self._settler is None or self._settler.done():
            self._settler = asyncio.create_task(self._settle_queued())

    async def _settle_queued(self) -> None:
        """Send the queued settlements, up to ``SETTLE_BATCH`` per script call,
        until none is left."""
        batch: list[_Queued] = []
        try:
            while self._queued:
                if len(self._queued) < min(len(self._held), SETTLE_BATCH):
                    self._all_queued.clear()
                    await _set_within(self._all_queued, SETTLE_WAIT_S)
                batch = self._queued[:SETTLE_BATCH]
                del self._queued[:SETTLE_BATCH]
                self._sending = True
                try:
                    acknowledged, retried = await self._send(batch)
                finally:
                    self._sending = False
                for queued, acked in zip(batch, acknowledged, strict=True):
                    self._held.discard(queued.settlement.entry_id)
                    if queued.outcome is None or queued.delivery is None:
                        continue
                    ours = settled_by_us(
                        acked, retried, queued.delivery, self.claim_idle
                    )
                    queued.outcome.set_result(ours)
                batch = []
                self._room.set()
        except Exception as error:  # a bug too: every waiter is told, none hangs
            self._fail_all(batch, error)
        except asyncio.CancelledError:
            self._fail_all(batch, None)
            raise

    async def _send(self, batch: list[_Queued]) -> tuple[list[int], bool]:
        """XACK's reply for each entry of ``batch``, and whether it took more
        than one try (a reply may have been lost)."""
        args = settle_args(self.group, [queued.settlement for queued in batch])
        keys = settle_keys(self._keys)
        tries = 0

        def settle() -> Awaitable[list[int]]:
            nonlocal tries
            tries += 1
            reply: Awaitable[list[int]] = self._settle_script(keys=keys, args=args)
            return reply

        return await self._retrying(settle), tries > 1

    def _fail_all(self, batch: list[_Queued], error: Exception | None) -> None:
        """End every settlement not sent: with ``error``, or cancelled."""
        if error is not None:
            self._failure = error
        for queued in [*batch, *self._queued]:
            if queued.outcome is None or queued.outcome.done():
                continue
            if error is None:
                queued.outcome.cancel()
            else:
                queued.outcome.set_exception(error)
        self._queued.clear()
        self._room.set()  # the reader sees the failure

    async def _until_room(self, stop: asyncio.Event) -> None:
        self._room.clear()
        room = asyncio.ensure_future(self._room.wait())
        stopped = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait((room, stopped), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in (room, stopped):
                waiting.cancel()
            await asyncio.gather(room, stopped, return_exceptions=True)

    async def _claim(
        self, room: int, abandoned: Callable[[Delivery, str], None] | None
    ) -> tuple[list[Delivery], bool]:
        """Claim up to ``room`` entries idle past ``claim_idle``, but for those
        it holds; and whether the page it looked at was full."""
        page = len(self._held) + min(room, CLAIM_PAGE)
        listed = pending_entries(
            await self._retrying(
                lambda: self._client.xpending_range(
                    self.name, self.group, "-", "+", page, idle=self._claim_idle_ms
                )
            )
        )
        chosen = unheld(listed, self._held)[:room]
        claims = idle_claims(chosen, self._claim_idle_ms)
        claimed, _ = await self._take_over(claims, abandoned)
        return claimed, len(listed) == page

    async def _recover_lost_reads(
        self, room: int, abandoned: Callable[[Delivery, str], None] | None
    ) -> list[Delivery]:
        """Take back, up to ``room``, what reads (or XCLAIMs) whose reply was
        lost delivered; forget them once none of it is left.

        It pages through the entries pending to this consumer: those it
        holds, and those left pending on purpose, come first in id order
        and would hide the newer ones otherwise.
        """
        sent_at = self._lost_read_sent_at
        assert sent_at is not None, "a read's reply was lost"
        page = len(self._held) + room
        lost: list[Pending] = []
        start = "-"
        while len(lost) < room:
            list_page = partial(
                self._client.xpending_range,
                self.name,
                self.group,
                start,
                "+",
                page,
                consumername=self.consumer,
            )
            listed = pending_entries(await self._retrying(list_page))
            lost_for_s = time.monotonic() - sent_at
            lost += delivered_by_lost_reads(listed, self._held, lost_for_s)
            if len(listed) < page:
                break
            start = after(listed[-1].id)
        claims = lost_read_claims(lost[:room])
        recovered, replied = await self._take_over(claims, abandoned, own=True)
        # Remembered while entries may be left: a full page, or an XCLAIM
        # whose reply was lost (it took entries this pass did not see).
        if replied and len(lost) < room:
            self._lost_read_sent_at = None
        return recovered

    async def _take_over(
        self,
        claims: list[Claim],
        abandoned: Callable[[Delivery, str], None] | None,
        *,
        own: bool = False,
    ) -> tuple[list[Delivery], bool]:
        """Claim the entries of ``claims`` and hold them, burying those
        already delivered ``max_deliveries`` times: those it can hand out,
        and False if the reply of an XCLAIM was lost.

        ``own``: entries pending to this consumer that a lost reply hid
        from it, handed out as read fresh rather than as claims.
        """
        deliveries: list[Delivery] = []
        replied, recovered = True, 0
        for claim in claims:
            claimed, came = await self._send_claim(claim)
            replied = replied and came
            recovered += len(claimed)
            deliveries += self._hold_claimed(claim, claimed, abandoned, own=own)
        if own and recovered:
            print(recovered_line(recovered), file=sys.stderr, flush=True)
        return deliveries, replied

    async def _send_claim(
        self, claim: Claim
    ) -> tuple[list[tuple[str, dict[str, str]]], bool]:
        """XCLAIM the entries of ``claim``: those it took, and whether its
        reply came.

        Atomic: an entry another consumer claimed since XPENDING, or that
        was acknowledged, is not returned, and not ours. It resets the idle
        time and counts the delivery. So, sent again after a lost reply, it
        would find too little idle time in what the first one took: those
        are pending to this consumer, held by nobody, as a lost read's
        entries are, and are taken back the same way, before the next read.
        Those of an idle claim are then handed out as this consumer's own,
        without the claim's event: the job still runs once, only the event
        is lost.
        """
        ids = list[StreamIdT](entry.id for entry in claim.entries)
        lost = False

        async def send() -> object:
            nonlocal lost
            if lost:
                return None  # not sent again: see above
            sent_at = time.monotonic()
            try:
                return await self._client.xclaim(
                    self.name, self.group, self.consumer, claim.min_idle_ms, ids
                )
            except RedisError as error:
                if is_lost_reply(error):
                    lost = True
                    self._reply_lost(sent_at)
                raise

        return entries(await self._retrying(send)), not lost

    def _reply_lost(self, sent_at: float) -> None:
        """A read or XCLAIM sent at ``sent_at`` may have delivered entries
        unseen: the earliest such one bounds how recent they are."""
        if self._lost_read_sent_at is None:
            self._lost_read_sent_at = sent_at

    def _hold_claimed(
        self,
        claim: Claim,
        claimed: list[tuple[str, dict[str, str]]],
        abandoned: Callable[[Delivery, str], None] | None,
        *,
        own: bool,
    ) -> list[Delivery]:
        listed = {entry.id: entry for entry in claim.entries}
        deliveries = []
        for entry_id, fields in claimed:
            previous = listed[entry_id]
            count = previous.deliveries
            claimed_from = None if own else previous.consumer
            delivery = self._take(entry_id, fields, count + 1, claimed_from)
            if delivery is None:
                continue
            if count < self.max_deliveries:
                deliveries.append(delivery)
                continue
            # Its last delivery ended unsettled, as a dead worker's does, even
            # if that was a lost read of this consumer's: the job goes to the
            # dead letters, and ``abandoned`` hears of it as it was taken.
            error = abandoned_error(previous.consumer, count)
            if abandoned is not None:
                abandoned(delivery, error)
            self._bury(entry_id, fields, error, count)
        return deliveries

    async def _read_new(
        self, stop: asyncio.Event, blocked_ms: int, room: int
    ) -> list[Delivery]:
        lost = False

        async def read_once() -> XReadGroupResponse | None:
            nonlocal lost
            if lost:
                # Not sent again yet: what the lost one delivered goes first.
                # A job a read in between handed out, failed and left
                # pending, would pass for one of the lost read's.
                return None
            sent_at = time.monotonic()
            try:
                return await self._client.xreadgroup(
                    self.group,
                    self.consumer,
                    {self.name: ">"},
                    count=room,
                    block=blocked_ms,
                )
            except RedisError as error:
                # The server may have run it: what it delivered is pending
                # to this consumer, unseen. After a stop no read follows to
                # take them back: they wait for a claim.
                if is_lost_reply(error) and not stop.is_set():
                    lost = True
                    self._reply_lost(sent_at)
                raise

        read = asyncio.ensure_future(self._retrying(read_once))
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
            return []
        taken = (
            self._take(entry_id, fields, 1, None)
            for entry_id, fields in read_entries(read.result())
        )
        return [delivery for delivery in taken if delivery is not None]

    def _take(
        self,
        entry_id: str,
        fields: dict[str, str],
        deliveries: int,
        claimed_from: str | None,
    ) -> Delivery | None:
        """Hold the entry, as a Delivery; a malformed one is buried, and None."""
        self._held.add(entry_id)
        try:
            return parse_entry(entry_id, fields, deliveries, claimed_from)
        except MalformedEntryError as error:
            # It can never succeed: dead at once, whatever its count.
            print(f"redis: {entry_id} {error}", file=sys.stderr, flush=True)
            self._bury(entry_id, fields, str(error), deliveries)
            return None

    def _bury(
        self, entry_id: str, fields: Mapping[str, str], error: str, deliveries: int
    ) -> None:
        burial = Settlement.dead(entry_id, fields, error, deliveries, self.consumer)
        # Nobody waits for it: a failure is the stream's, seen by the reader.
        self._enqueue(_Queued(burial, None, None))

    async def _retrying(self, command: Callable[[], Awaitable[T]]) -> T:
        """``await command()``, again after a lost connection or group, or a
        transient error reply, until it succeeds; any other error is raised.

        A stop cancels the task that waits here, like any other await; one
        that redis-py let through is raised after the command all the same.
        """
        task = asyncio.current_task()
        assert task is not None, "called from a task"
        cancels_before = task.cancelling()
        backoff, group_lost = Backoff(), False
        while True:
            try:
                if group_lost:
                    await self._create_group()
                    group_lost = False
                reply = await command()
                _raise_if_cancelled_since(task, cancels_before)
                return reply
            except RedisError as error:
                _raise_if_cancelled_since(task, cancels_before)
                if is_lost_group(error) and not group_lost:
                    # The stream was deleted, or the server restarted without
                    # its data: what is left to do is to go on with a new group.
                    print(f"redis: {error}; creating it again", file=sys.stderr)
                    group_lost = True
                    continue
                if not is_transient(error):
                    raise
                wait = backoff.next_wait()
                print(retry_line(error, wait), file=sys.stderr, flush=True)
                await asyncio.sleep(wait)


class _ReportingPool(ConnectionPool):
    """A pool that says when it replaces a connection the server closed
    while it was idle: no command failed on it, so no retry reports that
    loss."""

    async def ensure_connection(self, connection: AbstractConnection) -> None:
        if connection.is_connected:
            try:
                # Data or the end of the stream on an idle connection: the
                # pool's own check, next, connects it again.
                lost = await connection.can_read()
            except (RedisError, OSError):
                lost = True
            if lost:
                line = reconnected_line(_address(connection))
                print(line, file=sys.stderr, flush=True)
        await super().ensure_connection(connection)


def _address(connection: AbstractConnection) -> str:
    if isinstance(connection, UnixDomainSocketConnection):
        return connection.path
    if isinstance(connection, Connection):
        return f"{connection.host}:{connection.port}"
    return repr(connection)


def _raise_if_cancelled_since(task: asyncio.Task[Any], cancels_before: int) -> None:
    """Raise the cancellation ``task`` was sent since it had ``cancels_before``.

    redis-py sends each command under ``asyncio.wait_for`` (its
    ``socket_timeout``), and Python 3.11's drops a cancellation that comes
    as the send completes: the task would go on as if never cancelled. A
    cancellation pending before is not raised again, so that a command in a
    task's cleanup still runs.
    """
    if task.cancelling() > cancels_before:
        raise asyncio.CancelledError


async def _set_within(event: asyncio.Event, seconds: float) -> bool:
    """Whether ``event`` is set, waiting at most ``seconds`` for it.

    Not with ``asyncio.wait_for``: Python 3.11's drops a cancellation that
    comes as the event is set.
    """
    waiting = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait((waiting,), timeout=seconds)
    finally:
        waiting.cancel()
    return event.is_set()

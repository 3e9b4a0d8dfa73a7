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

A consumer holds no more entries than its ``capacity``, the jobs it can run
at once: it reads a batch for the free slots, and none while it is full, so
no entry waits in the process for a worker while its idle time runs toward
``claim_idle``. A read whose reply was lost (the connection failed after
sending it) may have delivered entries all the same: they are pending to
this consumer, unseen, and it takes them back before it reads again rather
than leave them for ``claim_idle``. Settlements go to one settler thread,
which sends all those waiting (up to ``SETTLE_BATCH``) in one script call:
the busier the workers, the bigger the batches.

The client is thread-safe: its pool gives each thread that sends a command
(the reader, the settler, the caller's) a connection of its own. A lost
connection, or an error reply of a server that will answer later (see
``redis_wire.TRANSIENT_REPLIES``), is retried with jittered exponential
backoff, one line on stderr per retry; any other error reply is raised.
"""

from __future__ import annotations

import itertools
import socket
import sys
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from concurrent.futures import wait as wait_for_futures
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from queue import Empty, SimpleQueue
from typing import TypeVar

import redis
from redis.backoff import NoBackoff
from redis.connection import Connection
from redis.retry import Retry
from redis.typing import EncodableT, FieldT, StreamIdT, XReadGroupResponse

from .redis_wire import (
    FULL_POLL_S,
    LAST_TRY_LEAD_S,
    LONGEST_BLOCK_MS,
    NO_ANSWER,
    PRODUCE,
    SETTLE,
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
    describe,
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

__all__ = [
    "Delivery",
    "GaveUpError",
    "StoppedError",
    "Stream",
    "UnreachableError",
    "redact",
]

T = TypeVar("T")

STOP_POLL_S = 0.02
"""How often a wait looks at its stop."""
ROOM_POLL_S = 0.05
"""How often a reader waiting for a free slot looks at its stop; a
settlement wakes it at once."""
_Fields = dict[FieldT, EncodableT]


class StoppedError(Exception):
    """The stop came while waiting for the server."""


class GaveUpError(Exception):
    """The deadline came before the server settled the entry: it stays pending."""


@dataclass(frozen=True, slots=True)
class _Waiting:
    """A settlement queued for the settler, and who waits for its outcome."""

    settlement: Settlement
    delivery: Delivery | None  # None: an entry never handed out (buried at once)
    outcome: Future[bool]


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
        capacity: int,
        deadline: threading.Event | None,
        connections: _ReportReconnections,
    ) -> None:
        self._client, self._connections = client, connections
        self.name, self.consumer = name, consumer
        self.keys = Keys.of(name)
        self.group, self.dead_letters = self.keys.group, self.keys.dead_letters
        self.results = self.keys.results
        self.claim_idle, self.max_deliveries = claim_idle, max_deliveries
        self.buffer, self.capacity = buffer, capacity
        self._deadline = deadline
        self._claim_idle_ms = max(1, round(claim_idle * 1000))
        self._block_ms = block_ms(self._claim_idle_ms)
        self._settle_script = client.register_script(SETTLE)
        self._produce_script = client.register_script(PRODUCE)
        # Numbers this Stream's produce calls under a token of its own, so
        # that a call tried again after a lost reply adds its job once.
        self._producer_key = producer_key(name, new_producer_token())
        self._produce_calls = itertools.count(1)
        # Held by deliveries() from a check of its stop to the end of the
        # command it then sends, so that close() cuts no read short.
        self._reading = threading.Lock()
        # The entries read and not yet handed to the settler: never more
        # than capacity, and never claimed from itself while a worker of
        # its own runs one. Notified when one is settled.
        self._held: set[str] = set()
        self._room = threading.Condition()
        # Handed to the settler, not yet settled: not claimed from itself
        # either, though their slots are free.
        self._unsettled: set[str] = set()
        # Read in a batch, not yet handed out by deliveries().
        self._ready: deque[Delivery] = deque()
        self._settling: SimpleQueue[_Waiting | None] = SimpleQueue()
        self._settler: threading.Thread | None = None
        self._settler_started = threading.Lock()
        # The first error reply that retrying cannot mend: nothing is sent
        # after it, so what this consumer holds stays pending.
        self._fatal: BaseException | None = None
        # When the earliest read (or XCLAIM) whose reply was lost, and whose
        # entries are not yet taken back, was sent (time.monotonic); the
        # reader's own.
        self._lost_read_sent_at: float | None = None

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
        capacity: int = 1,
        deadline: threading.Event | None = None,
        stop: threading.Event | None = None,
    ) -> Stream:
        """Connect and create the consumer group if missing.

        ``claim_idle`` (seconds): a pending entry idle this long is claimed,
        so make it longer than the longest job: a job still running when
        claimed runs twice (acknowledged once); ``buffer``: the backlog
        ``produce`` keeps under, whatever the number of producers (None: no
        bound); ``capacity``: how many jobs this consumer runs at once, the
        most it holds; ``deadline``: once set, a settlement gives up waiting
        for a server that does not answer (GaveUpError).
        Tries again quietly for ``START_DEADLINE_S`` (a server starting
        alongside), then raises UnreachableError, as it does at once for an
        answer that is not Redis's, and at the deadline for a server that
        never answers; nothing is read from the stream then. Once ``stop``
        is set it raises StoppedError at once, whatever it waits for: a
        connection, a reply, the next try.
        """
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
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
            client,
            name,
            consumer,
            claim_idle,
            max_deliveries,
            buffer,
            capacity,
            deadline,
            connections,
        )
        # The tries run in a thread of their own, which a stop or the
        # deadline leaves behind: nothing cuts a connection being made short.
        shown_url, give_up_at = redact(url), time.monotonic() + START_DEADLINE_S
        started: Future[None] = Future()
        trying = partial(stream._start, shown_url, give_up_at, started, stop)
        threading.Thread(target=trying, name="start-up", daemon=True).start()
        while not _done_within(STOP_POLL_S, started):
            if stop is not None and stop.is_set() and started.cancel():
                stream.interrupt()  # a reply awaited fails now, and the tries end
                raise StoppedError("the stop came before the server was reached")
            # A try ends by itself only at the socket timeout, long after
            # the deadline when the server takes the connection and is silent.
            if time.monotonic() >= give_up_at and started.cancel():
                stream.interrupt()  # that try fails now, and the tries end
                raise UnreachableError(f"cannot reach {shown_url}: {NO_ANSWER}")
        started.result()  # raises UnreachableError
        return stream

    def _start(
        self,
        url: str,
        give_up_at: float,
        started: Future[None],
        stop: threading.Event | None,
    ) -> None:
        """Create the group for ``open``, in the start-up's thread, and tell
        ``started``; close the connections unless ``open`` takes the stream.

        ``open`` cancels ``started`` when a stop or ``give_up_at`` ends its
        wait: the stream is then nobody's.
        """
        try:
            self._create_group_in_time(url, give_up_at, stop)
        except BaseException as error:
            self._client.close()
            if started.set_running_or_notify_cancel():
                started.set_exception(error)
        else:
            if started.set_running_or_notify_cancel():
                started.set_result(None)
            else:
                self._client.close()

    def _create_group_in_time(
        self, url: str, give_up_at: float, stop: threading.Event | None
    ) -> None:
        """Create the group, trying again quietly until ``give_up_at``
        (``time.monotonic``), the last try just before it."""
        backoff = Backoff()
        while True:
            try:
                self._create_group()
                return
            except redis.RedisError as error:
                left = give_up_at - LAST_TRY_LEAD_S - time.monotonic()
                if not is_transient(error) or left <= 0:
                    message = f"cannot reach {url}: {describe(error)}"
                    raise UnreachableError(message) from error
                # Quietly: if it never comes, one line says so.
                if _stopped_within(min(backoff.next_wait(), left), stop):
                    raise StoppedError from error

    def _create_group(self) -> None:
        try:
            self._client.xgroup_create(self.name, self.group, id="0", mkstream=True)
        except redis.ResponseError as error:
            if not is_existing_group(error):
                raise

    def close(self) -> None:
        """Hand back what was read and not handed out, wait for the
        settlements queued, then close the connections.

        Set the stop of ``deliveries`` first: a read then ends within
        ``LONGEST_BLOCK_MS`` and releases what it got.
        """
        held = self._reading.acquire(timeout=LONGEST_BLOCK_MS / 1000 + 1)
        try:
            self._release_ready()
            if self._settler is not None:
                self._settling.put(None)
                self._settler.join()
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
        number = next(self._produce_calls)
        args = produce_args(self.buffer, number, job, payload)
        keys = [self.name, self._producer_key]
        add = partial(self._produce_script, keys=keys, args=args)
        # Polled: the backlog shrinks in other processes, on other machines,
        # and Redis tells no one when a stream gets shorter.
        while self._retrying(add) == 0:
            if _stopped_within(FULL_POLL_S, stop):
                return False
        return True

    def deliveries(
        self,
        stop: threading.Event,
        *,
        abandoned: Callable[[Delivery, str], None] | None = None,
    ) -> Iterator[Delivery]:
        """The jobs for this consumer, until ``stop`` is set.

        It reads for its free slots only, in one batch: first the entries
        that a read whose reply was lost delivered to it (handed out as read
        fresh, that delivery counted), then entries idle longer than
        ``claim_idle`` (their consumer died; never one it holds), else new
        ones. With no slot free it waits for a settlement. A read blocks for
        at most a second, so a stop ends it within that; entries read and
        not handed out when the stop comes are released.
        An entry that cannot be parsed goes to the dead letters at once; so
        does a claimed or recovered one already delivered
        ``max_deliveries`` times, after ``abandoned(delivery, error)`` is
        told (``claimed_from`` None for a recovered one: it was this
        consumer's own).
        """
        next_scan = 0.0
        while True:
            if not self._ready and not self._wait_for_room(stop):
                return
            with self._reading:
                if stop.is_set():
                    self._release_ready()
                    return
                if not self._ready:
                    try:
                        if self._lost_read_sent_at is not None:
                            self._recover_lost_reads(stop, abandoned)
                        if not self._ready and time.monotonic() >= next_scan:
                            full = self._claim(stop, abandoned)
                            # A full page may hide more idle entries.
                            wait_ms = 0 if full else self._block_ms
                            next_scan = time.monotonic() + wait_ms / 1000
                        # Not while a lost reply's entries wait: they go first.
                        if not self._ready and self._lost_read_sent_at is None:
                            self._read(stop)
                    except StoppedError:
                        return
                    if stop.is_set():
                        self._release_ready()
                        return
                if not self._ready:
                    continue
                delivery = self._ready.popleft()
            yield delivery

    def _wait_for_room(self, stop: threading.Event) -> bool:
        """Wait until a slot is free: False if ``stop`` came first."""
        with self._room:
            while len(self._held) >= self.capacity:
                if stop.is_set():
                    return False
                # Timed: the stop is set by a signal handler, which must not
                # take a lock this thread may hold.
                self._room.wait(ROOM_POLL_S)
        return not stop.is_set()

    def _room_left(self) -> int:
        with self._room:
            return self.capacity - len(self._held)

    def _hold(self, delivery: Delivery) -> None:
        with self._room:
            self._held.add(delivery.id)
        self._ready.append(delivery)

    def _held_or_settling(self) -> set[str]:
        with self._room:
            return self._held | self._unsettled

    def _claim(
        self,
        stop: threading.Event,
        abandoned: Callable[[Delivery, str], None] | None,
    ) -> bool:
        """Claim idle entries for the free slots; whether the page was full."""
        room = self._room_left()
        held = self._held_or_settling()
        page = len(held) + room
        reply = self._retrying(
            partial(
                self._client.xpending_range,
                self.name,
                self.group,
                "-",
                "+",
                page,
                idle=self._claim_idle_ms,
            ),
            stop,
        )
        listed = pending_entries(reply)
        chosen = unheld(listed, held)[:room]
        self._take_over(idle_claims(chosen, self._claim_idle_ms), stop, abandoned)
        return len(listed) == page

    def _recover_lost_reads(
        self,
        stop: threading.Event,
        abandoned: Callable[[Delivery, str], None] | None,
    ) -> None:
        """Take back, for the free slots, what reads (or XCLAIMs) whose reply
        was lost delivered; forget them once none of it is left.

        It pages through the entries pending to this consumer: those it
        holds, and those left pending on purpose, come first in id order
        and would hide the newer ones otherwise.
        """
        sent_at = self._lost_read_sent_at
        assert sent_at is not None, "a read's reply was lost"
        room = self._room_left()
        held = self._held_or_settling()
        page = len(held) + room
        lost: list[Pending] = []
        start = "-"
        while len(lost) < room:
            listed = pending_entries(
                self._retrying(
                    partial(
                        self._client.xpending_range,
                        self.name,
                        self.group,
                        start,
                        "+",
                        page,
                        consumername=self.consumer,
                    ),
                    stop,
                )
            )
            lost += delivered_by_lost_reads(listed, held, time.monotonic() - sent_at)
            if len(listed) < page:
                break
            start = after(listed[-1].id)
        claims = lost_read_claims(lost[:room])
        replied = self._take_over(claims, stop, abandoned, own=True)
        # Remembered while entries may be left: a full page, or an XCLAIM
        # whose reply was lost (it took entries this pass did not see).
        if replied and len(lost) < room:
            self._lost_read_sent_at = None

    def _take_over(
        self,
        claims: list[Claim],
        stop: threading.Event,
        abandoned: Callable[[Delivery, str], None] | None,
        *,
        own: bool = False,
    ) -> bool:
        """Claim the entries of ``claims`` and hold them, burying those
        already delivered ``max_deliveries`` times; False if the reply of
        an XCLAIM was lost.

        ``own``: entries pending to this consumer that a lost reply hid
        from it, handed out as read fresh rather than as claims.
        """
        replied, recovered = True, 0
        for claim in claims:
            claimed, came = self._send_claim(claim, stop)
            replied = replied and came
            recovered += len(claimed)
            self._hold_claimed(claim, claimed, abandoned, own=own)
        if own and recovered:
            print(recovered_line(recovered), file=sys.stderr, flush=True)
        return replied

    def _send_claim(
        self, claim: Claim, stop: threading.Event
    ) -> tuple[list[tuple[str, dict[str, str]]], bool]:
        """XCLAIM the entries of ``claim``: those it took, and whether its
        reply came.

        Atomic: an entry another consumer claimed first, or that was
        settled meanwhile, is not in the reply. It resets the idle time and
        counts the delivery. So, sent again after a lost reply, it would
        find too little idle time in what the first one took: those are
        pending to this consumer, held by nobody, as a lost read's entries
        are, and are taken back the same way, before the next read. Those
        of an idle claim are then handed out as this consumer's own, without
        the claim's event: the job still runs once, only the event is lost.
        """
        ids = list[StreamIdT](entry.id for entry in claim.entries)
        lost = False

        def send() -> object:
            nonlocal lost
            if lost:
                return None  # not sent again: see above
            sent_at = time.monotonic()
            try:
                return self._client.xclaim(
                    self.name, self.group, self.consumer, claim.min_idle_ms, ids
                )
            except redis.RedisError as error:
                if is_lost_reply(error) and not stop.is_set():
                    lost = True
                    self._reply_lost(sent_at)
                raise

        return entries(self._retrying(send, stop)), not lost

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
    ) -> None:
        listed = {entry.id: entry for entry in claim.entries}
        for entry_id, fields in claimed:
            previous = listed[entry_id]
            count = previous.deliveries
            claimed_from = None if own else previous.consumer
            delivery = self._parse(entry_id, fields, count + 1, claimed_from)
            if delivery is None:
                continue
            if count < self.max_deliveries:
                self._hold(delivery)
                continue
            # Its last delivery ended unsettled, as a dead worker's does, even
            # if that was a lost read of this consumer's: the job goes to the
            # dead letters, and ``abandoned`` hears of it as it was taken.
            error = abandoned_error(previous.consumer, count)
            if abandoned is not None:
                abandoned(delivery, error)
            self._bury(entry_id, fields, error, count)

    def _read(self, stop: threading.Event) -> None:
        """Read new entries for the free slots, blocking up to a second."""
        room = self._room_left()
        if room <= 0:
            return
        lost = False

        def read_new() -> XReadGroupResponse | None:
            nonlocal lost
            if lost:
                # Not sent again yet: what the lost one delivered goes first.
                # A job a read in between handed out, failed and left
                # pending, would pass for one of the lost read's.
                return None
            sent_at = time.monotonic()
            try:
                return self._client.xreadgroup(
                    self.group,
                    self.consumer,
                    {self.name: ">"},
                    count=room,
                    block=self._block_ms,
                )
            except redis.RedisError as error:
                # The server may have run it: what it delivered is pending
                # to this consumer, unseen. After a stop no read follows to
                # take them back: they wait for a claim.
                if is_lost_reply(error) and not stop.is_set():
                    lost = True
                    self._reply_lost(sent_at)
                raise

        reply = self._retrying(read_new, stop)
        for entry_id, fields in read_entries(reply):
            delivery = self._parse(entry_id, fields, 1, None)
            if delivery is not None:
                self._hold(delivery)

    def _parse(
        self,
        entry_id: str,
        fields: dict[str, str],
        deliveries: int,
        claimed_from: str | None,
    ) -> Delivery | None:
        """The entry as a Delivery; a malformed one is buried, and None."""
        try:
            return parse_entry(entry_id, fields, deliveries, claimed_from)
        except MalformedEntryError as error:
            print(f"redis: {entry_id} {error}", file=sys.stderr, flush=True)
            self._bury(entry_id, fields, str(error), deliveries)
            return None

    def _release_ready(self) -> None:
        """Hand back the entries read and not handed out: a stop came."""
        while self._ready:
            with suppress(GaveUpError, redis.RedisError):  # then pending: claimed
                self.release(self._ready.popleft())

    def ack(self, delivery: Delivery, result: object) -> bool:
        """Record ``result``, then acknowledge and delete the entry.

        False: another worker, which claimed the job while this one was
        slow, acknowledged it first (its result was the same). Raises
        GaveUpError if the deadline comes before it is done.
        """
        return self.ack_soon(delivery, result).result()

    def ack_soon(self, delivery: Delivery, result: object) -> Future[bool]:
        """``ack``, queued: its slot is free at once, its outcome comes later."""
        return self._settle(Settlement.ack(delivery, result), delivery)

    def fail(self, delivery: Delivery, error: str) -> bool:
        """Record a failed delivery; True if this put the job in the dead letters.

        Before ``max_deliveries`` the entry stays pending, and any worker,
        this one too, claims it again after ``claim_idle``. False too when
        another worker, which claimed it meanwhile, settled it first.
        Raises GaveUpError if the deadline comes before it is buried.
        """
        return self.fail_soon(delivery, error).result()

    def fail_soon(self, delivery: Delivery, error: str) -> Future[bool]:
        """``fail``, queued: its slot is free at once, its outcome comes later."""
        if delivery.deliveries < self.max_deliveries:
            self._free(delivery)
            left_pending: Future[bool] = Future()
            left_pending.set_result(False)
            return left_pending
        fields = entry_fields(delivery.job, delivery.payload)
        dead = Settlement.dead(
            delivery.id, fields, error, delivery.deliveries, self.consumer
        )
        return self._settle(dead, delivery)

    def release(self, delivery: Delivery) -> None:
        """Hand back a delivery never started: a new entry at the end.

        The job does not wait for ``claim_idle``, as a pending one would.
        Nothing is added if another worker claimed and settled it meanwhile.
        Raises GaveUpError if the deadline comes before it is handed back.
        """
        self.release_soon(delivery).result()

    def release_soon(self, delivery: Delivery) -> Future[bool]:
        """``release``, queued: its slot is free at once."""
        return self._settle(Settlement.release(delivery), delivery)

    def _bury(
        self, entry_id: str, fields: Mapping[str, str], error: str, deliveries: int
    ) -> None:
        """Dead-letter an entry never handed out, before reading on: its
        claimer, not a slow worker of its last delivery, buries it."""
        dead = Settlement.dead(entry_id, fields, error, deliveries, self.consumer)
        with suppress(GaveUpError):  # then pending: the next claimer buries it
            self._settle(dead, None).result()

    def _free(self, delivery: Delivery, *, settling: bool = False) -> None:
        with self._room:
            self._held.discard(delivery.id)
            if settling:
                self._unsettled.add(delivery.id)
            self._room.notify()

    def _settle(
        self, settlement: Settlement, delivery: Delivery | None
    ) -> Future[bool]:
        """Queue ``settlement`` for the settler; frees the delivery's slot."""
        if delivery is not None:
            self._free(delivery, settling=True)
        outcome: Future[bool] = Future()
        with self._settler_started:
            if self._settler is None:
                self._settler = threading.Thread(
                    target=self._settle_batches, name="settler", daemon=True
                )
                self._settler.start()
        self._settling.put(_Waiting(settlement, delivery, outcome))
        return outcome

    def _settle_batches(self) -> None:
        """The settler: each time, all the settlements queued, in one call."""
        closing = False
        while not closing:
            first = self._settling.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < SETTLE_BATCH:
                try:
                    waiting = self._settling.get_nowait()
                except Empty:
                    break
                if waiting is None:
                    closing = True  # after this batch
                    break
                batch.append(waiting)
            self._send(batch)

    def _send(self, batch: list[_Waiting]) -> None:
        try:
            self._send_once(batch)
        finally:
            with self._room:
                self._unsettled.difference_update(
                    waiting.delivery.id for waiting in batch if waiting.delivery
                )

    def _send_once(self, batch: list[_Waiting]) -> None:
        if self._fatal is not None:
            error: BaseException = self._fatal
        elif self._deadline is not None and self._deadline.is_set():
            error = GaveUpError("the deadline has passed")
        else:
            args = settle_args(self.group, [waiting.settlement for waiting in batch])
            run = partial(self._settle_script, keys=settle_keys(self.keys), args=args)
            tries = 0

            def send() -> list[int]:
                nonlocal tries
                tries += 1
                reply: list[int] = run()
                return reply

            try:
                acknowledged = self._retrying(send, self._deadline)
            except StoppedError:
                error = GaveUpError("the deadline came while the server was away")
            except BaseException as fatal:  # every waiter hears of it
                self._fatal = error = fatal
            else:
                # Sent again after a lost reply: the first may have settled it.
                retried = tries > 1
                for waiting, acked in zip(batch, acknowledged, strict=True):
                    ours = acked == 1
                    if waiting.delivery is not None:
                        ours = settled_by_us(
                            acked, retried, waiting.delivery, self.claim_idle
                        )
                    waiting.outcome.set_result(ours)
                return
        for waiting in batch:
            waiting.outcome.set_exception(error)

    def _retrying(
        self, command: Callable[[], T], stop: threading.Event | None = None
    ) -> T:
        """``command()``, again after a lost connection or a transient error
        reply, until it succeeds; any other error reply is raised.

        Raises StoppedError if ``stop`` is set while it waits to try again.
        """
        backoff, group_lost = Backoff(), False
        while True:
            try:
                if group_lost:
                    self._create_group()
                    group_lost = False
                return command()
            except redis.RedisError as error:
                if is_lost_group(error) and not group_lost:
                    # The stream was deleted, or the server restarted without
                    # its data: what is left to do is to go on with a new group.
                    message = f"redis: {describe(error)}; creating it again"
                    print(message, file=sys.stderr, flush=True)
                    group_lost = True
                    continue
                if not is_transient(error):
                    raise
                wait = backoff.next_wait()  # full jitter: workers spread out
                print(retry_line(error, wait), file=sys.stderr, flush=True)
                if _stopped_within(wait, stop):
                    raise StoppedError from error


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
            address = getattr(connection, "path", None) or (
                f"{connection.host}:{connection.port}"
            )
            line = reconnected_line(address)
            print(line, file=sys.stderr, flush=True)

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


def _done_within(seconds: float, future: Future[T]) -> bool:
    """Wait up to ``seconds`` for ``future``: whether it is done."""
    wait_for_futures((future,), seconds)
    return future.done()


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

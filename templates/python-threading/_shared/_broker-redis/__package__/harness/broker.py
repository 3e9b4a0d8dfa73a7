"""The program's side of the broker: its roles, and what becomes of each outcome.

A producer appends jobs 1..--jobs to the stream; a worker feeds the
stream's deliveries to the pattern's component and settles every outcome
the caller's thread hands it: acknowledged when done, left pending for a
retry when failed (dead-lettered after --max-deliveries), handed back when
never started, left pending for another worker when cancelled. The caller
does not wait for the server: the stream's settler sends the settlements
in batches, and each one's event is printed once it is done. A worker
starts its next job only after that, so a job's end comes before the next
start of its worker. The producer of --role both runs on a thread of its
own, with a connection of its own.

An error reply that retrying cannot mend (``WRONGTYPE``, ``ERR ...``) ends
the run: one line on stderr, no job settled after it, exit 1.
"""

from __future__ import annotations

import itertools
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import CancelledError, Future
from dataclasses import replace

import redis

from ..outcome import Outcome
from ..redis_stream import (
    Delivery,
    GaveUpError,
    StoppedError,
    Stream,
    UnreachableError,
)
from ..redis_wire import fatal_line
from ..workers import NotStartedError
from . import Config, InjectedFailureError, Recorder
from .payload import Payload, PayloadError
from .simulated import SimulatedWork, Stop

IDLE_POLL_S = 0.05
"""How often an idle worker looks at the backlog, for --idle-exit-ms."""
STOP_POLL_S = 0.1
"""How often the drain's thread looks whether the run ended without a stop."""


class Broker:
    """The streams of one process: the producer's, the worker's, or both."""

    def __init__(
        self, config: Config, recorder: Recorder, stop: threading.Event
    ) -> None:
        """Connect each role to the stream and say ready; exit 1 if the
        server is unreachable.

        A ``stop`` during the start-up ends it: this process then has no
        role, nothing to produce or take, and the run ends at once.
        """
        self._config, self._recorder = config, recorder
        self._produced = threading.Event()
        self._closed = threading.Event()
        self._drained = threading.Event()  # --drain-ms has passed since the stop
        self._ended = threading.Event()  # by itself: --idle-exit-ms, or an error
        self._threads: list[threading.Thread] = []
        # Runs until the streams are closed: a read blocked on a server that
        # does not answer holds their closing up until the drain deadline.
        self._drain_timer: threading.Thread | None = None
        self._streams_closed = threading.Event()
        # Set once a settlement's event is printed: a worker starts its next
        # job after its last one's, and the summary comes after them all.
        self._worker_of: dict[str, int] = {}
        self._last_settled: dict[int, threading.Event] = {}
        self._settling: set[threading.Event] = set()
        self._settling_lock = threading.Lock()
        self._fatal: BaseException | None = None
        self._producer: Stream | None = None
        self._worker: Stream | None = None
        try:
            if config.role != "worker":
                self._producer = self._open(stop, buffer=config.buffer)
            if config.role != "producer":
                self._worker = self._open(stop, buffer=None, capacity=config.workers)
        except StoppedError:
            # No role, then: nothing to produce or take. Only the producer's
            # stream, opened first, can be open.
            if self._producer is not None:
                self._producer.close()
                self._producer = None
        except UnreachableError as error:
            self.close()
            print(f"error: {error}", file=sys.stderr, flush=True)
            sys.exit(1)
        else:
            recorder.ready()

    def _open(
        self, stop: threading.Event, *, buffer: int | None, capacity: int = 1
    ) -> Stream:
        config = self._config
        return Stream.open(
            config.redis_url,
            config.stream,
            config.consumer,
            claim_idle=config.claim_idle_ms / 1000,
            max_deliveries=config.max_deliveries,
            buffer=buffer,
            capacity=capacity,
            deadline=self._drained,
            stop=stop,
        )

    def close(self) -> None:
        """Wait for the settlements and its threads, then close its connections."""
        with self._settling_lock:
            settling = set(self._settling)
        for printed in settling:
            printed.wait()
        self._closed.set()
        for thread in self._threads:
            thread.join()
        for stream in (self._producer, self._worker):
            if stream is not None:
                stream.close()
        self._streams_closed.set()
        if self._drain_timer is not None:
            self._drain_timer.join()

    def __enter__(self) -> Broker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def works(self) -> bool:
        """Whether this process takes jobs: --role worker or both, unless a
        stop came during the start-up."""
        return self._worker is not None

    def start_producing(self, stop: threading.Event) -> None:
        """Produce the jobs: here for --role producer, on a thread for both."""
        if self._producer is None:
            self._produced.set()
        elif self._worker is None:
            self._produce(self._producer, stop)
        else:
            producing = threading.Thread(
                target=self._produce, args=(self._producer, stop), name="producer"
            )
            self._threads.append(producing)
            producing.start()

    def _produce(self, stream: Stream, stop: threading.Event) -> None:
        try:
            endless = self._config.jobs == 0
            last = self._config.jobs + 1
            for job in itertools.count(1) if endless else range(1, last):
                payload = Payload.for_job(job, self._config).to_json()
                if stop.is_set() or self._ended.is_set():
                    return  # what it produced is safe in the stream
                if not self._add(stream, job, payload, stop):
                    return
        except redis.RedisError as error:
            self._end_for(error)
        finally:
            self._produced.set()

    def _add(
        self,
        stream: Stream,
        job: int,
        payload: Mapping[str, object],
        stop: threading.Event,
    ) -> bool:
        """Add ``job``; False if a stop came first.

        A job not added was never submitted, and writes no event; nor does
        one whose add raised. What was added is safe in the stream.
        """
        self._recorder.adding(job)
        added = False
        try:
            added = stream.produce(job, payload, stop=stop)
        finally:
            self._recorder.produced(job, added)
        return added

    @property
    def failed(self) -> bool:
        """Whether an error reply ended the run: exit 1."""
        return self._fatal is not None

    def exit_code(self, code: int) -> int:
        """The program's exit code, given the recorder's: 1 after an error reply."""
        return 1 if self.failed else code

    def _end_for(self, error: BaseException) -> None:
        """An error retrying cannot mend: say so once, and end the run.

        Nothing is settled after it: what this process holds stays pending.
        """
        with self._settling_lock:
            if self._fatal is not None:
                return
            self._fatal = error
        print(fatal_line(error), file=sys.stderr, flush=True)
        self._ended.set()

    def deliveries(self, stop: threading.Event) -> Iterator[Delivery]:
        """The worker's job source, until ``stop``; it also ends by itself,
        with --idle-exit-ms once the stream has been empty that long, and
        on an error reply retrying cannot mend.

        ``stop`` stays the signals' own: a signal after the run ended by
        itself is a first signal, not a second.
        """
        assert self._worker is not None, "only a worker takes deliveries"
        if self._config.idle_exit_ms > 0:
            watching = threading.Thread(
                target=self._end_when_idle,
                args=(self._worker, stop),
                name="idle-exit",
            )
            self._threads.append(watching)
            watching.start()
        return self._read(self._worker, stop)

    def _read(self, stream: Stream, stop: threading.Event) -> Iterator[Delivery]:
        either = _Either(stop, self._ended)
        try:
            yield from stream.deliveries(either, abandoned=self._abandoned)
        except redis.RedisError as error:
            self._end_for(error)

    def _end_when_idle(self, stream: Stream, stop: threading.Event) -> None:
        # An entry stays in the stream until a worker acknowledges it, so an
        # empty stream means no job is waiting or held, here or elsewhere.
        idle_s = self._config.idle_exit_ms / 1000
        empty_since: float | None = None
        try:
            while not (stop.wait(IDLE_POLL_S) or self._ended.is_set()):
                if not self._produced.is_set() or stream.backlog() > 0:
                    empty_since = None
                elif empty_since is None:
                    empty_since = time.monotonic()
                elif time.monotonic() - empty_since >= idle_s:
                    self._ended.set()
        except redis.RedisError as error:
            self._end_for(error)

    def abort_after_drain(self, stop: threading.Event, abort: threading.Event) -> None:
        """Set ``abort`` --drain-ms after ``stop``, unless the run ended first;
        then give up settling what is left, which stays pending.

        The timer runs on a thread of its own, started here: a signal
        handler starting it could deadlock on a lock the thread it
        interrupted holds.
        """
        timing = threading.Thread(
            target=self._abort_at_deadline, args=(stop, abort), name="drain"
        )
        self._drain_timer = timing
        timing.start()

    def _abort_at_deadline(self, stop: threading.Event, abort: threading.Event) -> None:
        while not stop.wait(STOP_POLL_S):
            if self._closed.is_set():
                return  # ended without a stop: --jobs done, or --role producer
        if not self._streams_closed.wait(self._config.drain_ms / 1000):
            abort.set()
            self._drained.set()
            if self._worker is not None:
                self._worker.interrupt()  # a read or an ack may wait on a hung server

    def _abandoned(self, delivery: Delivery, error: str) -> None:
        if delivery.claimed_from is not None:  # else a lost read of its own
            self._recorder.claim(delivery.job, None, delivery.claimed_from)
        self._recorder.dead(delivery.job, error, delivery.deliveries - 1)

    def run(
        self, work: SimulatedWork, delivery: Delivery, worker: int, stop: Stop
    ) -> int:
        """Do the job of ``delivery`` on ``worker``, until ``stop``."""
        self._recorder.start(delivery.job, worker)
        payload = Payload.parse(delivery.payload)
        # The failure is the payload's: the producer's --fail-every chose it.
        replace(work, ms=payload.work_ms, fail_every=0).run(delivery.job, stop)
        return payload.result(delivery.job)

    def took(self, delivery: Delivery, worker: int) -> None:
        """``worker`` takes ``delivery``: once its last job is settled, say
        if this one was taken over from a dead worker. In the worker's thread.
        """
        with self._settling_lock:
            self._worker_of[delivery.id] = worker
            last = self._last_settled.pop(worker, None)
        if last is not None:
            last.wait()  # its event comes before this job's
        if delivery.claimed_from is not None:
            self._recorder.claim(delivery.job, worker, delivery.claimed_from)

    def settle(self, outcome: Outcome[Delivery, int]) -> None:
        """Acknowledge, retry, dead-letter, hand back or leave pending one job.

        It queues the settlement and returns: the job's event is printed
        once the server has settled it. Past the drain deadline it no
        longer waits for the server: the job is cancelled, left pending for
        another worker. Any error but the planned ones is a bug in the
        program: it is raised.
        """
        assert self._worker is not None, "only a worker settles outcomes"
        delivery, error, recorder = outcome.job, outcome.error, self._recorder
        job, stream = delivery.job, self._worker
        with self._settling_lock:
            worker = self._worker_of.pop(delivery.id, None)
        if self._fatal is not None:
            if not isinstance(error, NotStartedError):
                recorder.cancel(job)  # nothing is sent now: it stays pending
        elif error is None:
            result = outcome.result()

            def acknowledged(ours: bool) -> None:
                if ours:
                    recorder.done(job, result)
                else:
                    recorder.duplicate(job)

            self._await(stream.ack_soon(delivery, result), job, worker, acknowledged)
        elif isinstance(error, NotStartedError):
            # Read, never started: back in line.
            self._await(stream.release_soon(delivery), job, None, lambda _: None)
        elif isinstance(error, CancelledError):
            recorder.cancel(job)  # left pending: another worker claims it
        elif isinstance(error, InjectedFailureError | PayloadError):

            def failed(dead: bool) -> None:
                if dead:
                    recorder.dead(job, str(error), delivery.deliveries)
                else:
                    recorder.fail(job, error)

            self._await(stream.fail_soon(delivery, str(error)), job, worker, failed)
        else:
            raise error

    def _await(
        self,
        settling: Future[bool],
        job: int,
        worker: int | None,
        then: Callable[[bool], None],
    ) -> None:
        """Call ``then`` with the settlement's outcome once it has come, in
        the settler's thread; ``worker``'s next job waits for that.

        A settlement the deadline or an error reply cut short leaves the
        job pending: cancelled.
        """
        printed = threading.Event()

        def settled(done: Future[bool]) -> None:
            try:
                error = done.exception()
                if error is None:
                    then(done.result())
                    return
                if not isinstance(error, GaveUpError):
                    self._end_for(error)
                self._recorder.cancel(job)
            finally:
                with self._settling_lock:
                    self._settling.discard(printed)
                printed.set()

        with self._settling_lock:
            self._settling.add(printed)
            if worker is not None:
                self._last_settled[worker] = printed
        settling.add_done_callback(settled)


class _Either(threading.Event):
    """Set when either of two events is: what the stream's reads stop on.

    Only read, with ``is_set``: the two are set, never this one.
    """

    def __init__(self, first: threading.Event, second: threading.Event) -> None:
        super().__init__()
        self._first, self._second = first, second

    def is_set(self) -> bool:
        return self._first.is_set() or self._second.is_set()

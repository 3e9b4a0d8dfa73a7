"""The program's side of the broker: its roles, its signals, and what
becomes of each outcome.

A producer appends jobs 1..--jobs to the stream; a worker feeds the
stream's deliveries to the pattern's component and settles every outcome
in this, the parent process: acknowledged when done, left pending for a
retry when failed (dead-lettered after --max-deliveries), handed back when
never started, left pending for another worker when cancelled. The parent
does not wait for the server: the stream's settler sends the settlements
in batches and each one's event is printed once it is done; a worker
process starts its next job only after that, so a job's end comes before
the next start of its worker.

Only the parent talks to Redis. The worker processes compute and report
their outcomes through their pipes, as without a broker: a job is
acknowledged once its outcome has reached the process that prints its
``done``, so a worker killed at the drain deadline can never have
acknowledged a job reported as cancelled. The producer runs on a thread
of its own, with a connection of its own.

An error reply that retrying cannot mend (``WRONGTYPE``, ``ERR ...``) ends
the run: one line on stderr, no job settled after it, exit 1.
"""

from __future__ import annotations

import itertools
import signal
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from concurrent.futures import CancelledError, Future
from contextlib import closing
from dataclasses import dataclass
from multiprocessing.connection import Connection
from types import FrameType, TracebackType

import redis

from ..outcome import Outcome
from ..processes import OnStart, Stop, kill_children, start_helper_processes
from ..processes.children import STOP_SIGNALS, start_child, stop_signals_blocked
from ..redis_stream import (
    Delivery,
    GaveUpError,
    StoppedError,
    Stream,
    UnreachableError,
)
from ..redis_wire import fatal_line
from . import Config, CpuWork, Recorder
from .payload import Payload
from .program import SimulatedJob, unwind_for_the_gone_reader

IDLE_POLL_S = 0.05
"""How often an idle worker looks at the backlog, for --idle-exit-ms."""
SETTLED_POLL_S = 0.1
"""How often the main thread, waiting for a worker's last settlement, lets
a signal handler run."""

Outcomes = Generator[Outcome[Delivery, int], None, None]


@dataclass(frozen=True, slots=True)
class Stops:
    """The two moments of a stop, for the pattern's component.

    ``signalled``: the first signal came, intake ends (the jobs in flight
    drain); ``deadline``: --drain-ms has passed since, what still runs is
    cancelled and stays pending. Both ``Stop``: set in a signal handler,
    they wake the component's waits at once.
    """

    signalled: Stop
    deadline: Stop


Component = Callable[
    [Iterable[Delivery], "PayloadJob", OnStart[Delivery], Stops], Outcomes
]
"""The pattern's component run on a job source: ``(jobs, handle, on_start,
stops)`` to its outcomes."""


def prepare_worker_processes() -> None:
    """Start multiprocessing's helpers, and wait until they can start a worker.

    The forkserver's first child waits for the server itself to start: a
    fresh interpreter that imports this package, up to a second on a busy
    machine. A throwaway child pays for it here, before any job is read;
    otherwise the first jobs, read and not yet begun for that long, could
    pass --claim-idle-ms and be claimed by another worker, and run twice.
    Call it before installing signal handlers (see ``start_helper_processes``).
    """
    start_helper_processes(preload=[__name__])
    start_child(_exit_at_once).reap()


def _exit_at_once(connection: Connection) -> None:
    """A child with nothing to do."""


def leave_for_the_gone_reader() -> None:
    """The recorder's last act when stdout's reader has gone, in any thread.

    The main thread unwinds the program (``unwind_for_the_gone_reader``).
    The producer's thread cannot unwind it: there the children are killed,
    and the recorder then ends the process at once, with the same code.
    """
    if threading.current_thread() is threading.main_thread():
        unwind_for_the_gone_reader()
    kill_children()


@dataclass(frozen=True, slots=True)
class PayloadJob:
    """The workers' job handler: the payload's work, then its result.

    Pickled to each worker process, which does the ``work_ms`` of the
    payload with this program's --work and returns ``job * 2``, or raises
    the payload's injected failure.
    """

    cpu: CpuWork | None  # None: io work

    @classmethod
    def from_config(cls, config: Config) -> PayloadJob:
        """The handler of ``config``, calibrating CPU work when it is cpu."""
        return cls(CpuWork.calibrate() if config.work == "cpu" else None)

    def __call__(self, delivery: Delivery) -> int:
        payload = Payload.parse(delivery.payload)
        SimulatedJob(payload.work_ms, fail_every=0, cpu=self.cpu)(delivery.job)
        return payload.result(delivery.job)


class Broker:
    """The streams of one process: the producer's, the worker's, or both.

    ``stops.signalled`` ends the producing and the reading; it is set from a
    signal handler, so this process's main thread never waits on it. The
    run also ends by itself, on an event of its own: with --idle-exit-ms,
    or after an error reply. Leaving the ``with`` block waits for the
    producer to finish and for the settlements.
    """

    def __init__(self, config: Config, recorder: Recorder, stops: Stops) -> None:
        """Connect each role to the stream and say ready; raises
        UnreachableError.

        ``stops.signalled`` during the start-up ends it: this process then
        has no role, nothing to produce or take, and the run ends at once.
        """
        self._config, self._recorder, self._stops = config, recorder, stops
        self._stop = stops.signalled
        self._ended = threading.Event()  # by itself: --idle-exit-ms, or an error
        self._produced = threading.Event()  # or nothing to produce here
        self._producing: threading.Thread | None = None
        self._watching: threading.Thread | None = None  # for --idle-exit-ms
        self._started: set[str] = set()  # entry ids a worker process has begun
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
                self._producer = self._open(buffer=config.buffer)
            if config.role != "producer":
                self._worker = self._open(buffer=None, capacity=config.workers)
        except StoppedError:
            # No role, then: nothing to produce or take. Only the producer's
            # stream, opened first, can be open.
            if self._producer is not None:
                self._producer.close()
                self._producer = None
        except UnreachableError:
            self.close()
            raise
        else:
            recorder.ready()
        if self._producer is None:
            self._produced.set()

    def _open(self, *, buffer: int | None, capacity: int = 1) -> Stream:
        config = self._config
        return Stream.open(
            config.redis_url,
            config.stream,
            config.consumer,
            claim_idle=config.claim_idle_ms / 1000,
            max_deliveries=config.max_deliveries,
            buffer=buffer,
            capacity=capacity,
            deadline=self._stops.deadline,
            stop=self._stop,
        )

    def close(self) -> None:
        """Wait for the producer and the settlements, end the rest, close the
        connections."""
        if self._producing is not None:
            self._producing.join()
        with self._settling_lock:
            settling = set(self._settling)
        for printed in settling:
            _wait_letting_signals_in(printed)
        self._end()
        if self._watching is not None:
            self._watching.join()
        for stream in (self._producer, self._worker):
            if stream is not None:
                stream.close()

    def __enter__(self) -> Broker:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self._end()  # the producer would go on, with nobody to wait for it
        self.close()

    def _end(self) -> None:
        self._ended.set()  # the signals' stop is theirs alone

    @property
    def failed(self) -> bool:
        """Whether an error reply ended the run: exit 1."""
        return self._fatal is not None

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

    @property
    def works(self) -> bool:
        """Whether this process takes jobs: --role worker or both, unless a
        stop came during the start-up."""
        return self._worker is not None

    def start_producing(self) -> None:
        """Produce the jobs on a thread of its own, while this one handles signals.

        The main thread never waits on the stop: a signal handler sets it.
        """
        if self._producer is None:
            return
        self._producing = threading.Thread(
            target=self._produce, args=(self._producer,), name="producer"
        )
        self._producing.start()

    def _produce(self, stream: Stream) -> None:
        stop = _AnyOf(self._stop, self._ended)
        try:
            endless = self._config.jobs == 0
            last = self._config.jobs + 1
            for job in itertools.count(1) if endless else range(1, last):
                payload = Payload.for_job(job, self._config).to_json()
                if stop.is_set() or not self._add(stream, job, payload, stop):
                    return  # what it produced is safe in the stream
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

    def deliveries(self, run_over: threading.Event) -> Iterator[Delivery]:
        """The worker's job source, until the stop or ``run_over``; it also
        ends by itself, with --idle-exit-ms once the stream has been empty
        that long, and on an error reply retrying cannot mend."""
        assert self._worker is not None, "only a worker takes deliveries"
        if self._config.idle_exit_ms > 0 and self._watching is None:
            self._watching = threading.Thread(
                target=self._end_when_idle, args=(self._worker,), name="idle-exit"
            )
            self._watching.start()
        return self._read(self._worker, _AnyOf(self._stop, self._ended, run_over))

    def _read(self, stream: Stream, stop: threading.Event) -> Iterator[Delivery]:
        try:
            yield from stream.deliveries(stop, abandoned=self._abandoned)
        except redis.RedisError as error:
            self._end_for(error)

    def _end_when_idle(self, stream: Stream) -> None:
        # An entry stays in the stream until a worker acknowledges it, so an
        # empty stream means no job is waiting or held, here or elsewhere.
        idle_s = self._config.idle_exit_ms / 1000
        empty_since: float | None = None
        ended = _AnyOf(self._stop, self._ended)
        try:
            while not ended.is_set():
                time.sleep(IDLE_POLL_S)
                if not self._produced.is_set() or stream.backlog() > 0:
                    empty_since = None
                elif empty_since is None:
                    empty_since = time.monotonic()
                elif time.monotonic() - empty_since >= idle_s:
                    self._ended.set()
        except redis.RedisError as error:
            self._end_for(error)

    def _abandoned(self, delivery: Delivery, error: str) -> None:
        if delivery.claimed_from is not None:  # else a lost read of its own
            self._recorder.claim(delivery.job, None, delivery.claimed_from)
        self._recorder.dead(delivery.job, error, delivery.deliveries - 1)

    def took(self, delivery: Delivery, worker: int) -> None:
        """Note that ``worker`` has begun ``delivery``; say if it was claimed.

        Called where the component reports a start, before the ``start``
        event, once the worker's last job's event is printed.
        """
        self._started.add(delivery.id)
        with self._settling_lock:
            self._worker_of[delivery.id] = worker
            last = self._last_settled.pop(worker, None)
        if last is not None:
            _wait_letting_signals_in(last)
        if delivery.claimed_from is not None:
            self._recorder.claim(delivery.job, worker, delivery.claimed_from)

    def interrupt(self) -> None:
        """At the drain deadline: end a wait for a server that does not answer.

        Safe in a signal handler; the settling it interrupts gives up.
        """
        if self._worker is not None:
            self._worker.interrupt()

    def settle(self, outcome: Outcome[Delivery, int]) -> None:
        """Acknowledge, retry, dead-letter, hand back or leave pending one job.

        It queues the settlement and returns: the job's event is printed
        once the server has settled it. A job that raised, or whose worker
        process died, failed this delivery: it is retried from the stream
        like a poison job. Past the drain deadline it no longer waits for
        the server: the job is cancelled, left pending for another worker.
        """
        assert self._worker is not None, "only a worker settles outcomes"
        delivery, error, recorder = outcome.job, outcome.error, self._recorder
        job, stream = delivery.job, self._worker
        started = delivery.id in self._started
        self._started.discard(delivery.id)
        with self._settling_lock:
            worker = self._worker_of.pop(delivery.id, None)
        unstarted = isinstance(error, CancelledError) and not started
        if self._fatal is not None:
            if not unstarted:
                recorder.cancel(job)  # nothing is sent now: it stays pending
        elif error is None:
            result = outcome.result()

            def acknowledged(ours: bool) -> None:
                if ours:
                    recorder.done(job, result)
                else:
                    recorder.duplicate(job)

            self._await(stream.ack_soon(delivery, result), job, worker, acknowledged)
        elif unstarted:
            # Read, never begun: back in line.
            self._await(stream.release_soon(delivery), job, None, lambda _: None)
        elif isinstance(error, CancelledError):
            recorder.cancel(job)  # its process was killed: pending for another
        else:
            message = str(error) or type(error).__name__

            def failed(dead: bool) -> None:
                if dead:
                    recorder.dead(job, message, delivery.deliveries)
                else:
                    recorder.fail(job, error)

            self._await(stream.fail_soon(delivery, message), job, worker, failed)

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

    def serve(
        self,
        component: Component,
        handle: PayloadJob,
        on_start: OnStart[Delivery],
        *,
        ends_on: type[Exception] | None = None,
    ) -> None:
        """Feed the stream to ``component`` and settle its outcomes until the
        stop or the end of the run.

        An ``ends_on`` error, raised by a component that cannot go on (a
        consumer died, the queue it shared may be broken), is one line
        ``error: ...`` on stderr and the run ends, exit 1: its job failed,
        the others are cancelled, and every one stays pending in the stream
        for another worker. Replacing the consumer would not do: one killed
        in the queue's ``get()`` holds the queue's lock for good, so the
        consumer in its place would wait on it for ever.
        """
        run_over = threading.Event()  # a reader left behind reads no more
        jobs = self.deliveries(run_over)
        outcomes = component(jobs, handle, on_start, self._stops)
        try:
            with closing(outcomes):
                for outcome in outcomes:
                    self.settle(outcome)
        except Exception as error:
            if ends_on is None or not isinstance(error, ends_on):
                raise
            print(f"error: {error}", file=sys.stderr, flush=True)
        finally:
            run_over.set()


def serve(
    config: Config,
    component: Component,
    *,
    consumes: bool = False,
    ends_on: type[Exception] | None = None,
) -> int:
    """The program with a broker: its roles, its signals, its exit code.

    The first SIGINT or SIGTERM ends intake and lets the jobs in flight
    drain; at --drain-ms what still runs is cancelled, left pending for
    another worker (exit 1); during the start-up, before the server
    answers, it ends the start-up: nothing was taken, exit 0. A second
    signal exits 130 at once.
    ``consumes``: the pattern says ``consume`` as a consumer takes a job.
    ``ends_on``: the error of a component that cannot go on; see
    ``Broker.serve``.
    """
    # Until the handlers are in place, a stop is held back, not a kill: the
    # helpers' start is part of the start-up, and a stop then ends it.
    # Starting the resource tracker unblocks the signals for a moment; one
    # that comes then is only noted, and handled once the handlers are in.
    held_back: list[int] = []

    def hold_back(signum: int, _frame: FrameType | None) -> None:
        held_back.append(signum)

    with stop_signals_blocked():
        for signum in STOP_SIGNALS:
            signal.signal(signum, hold_back)
        if config.role != "producer":
            prepare_worker_processes()  # before the signal handlers
        handle = PayloadJob.from_config(config)  # before the recorder starts its clock
        recorder = Recorder(config, before_exit=leave_for_the_gone_reader)
        stops = Stops(signalled=Stop(), deadline=Stop())
        opened: Broker | None = None

        def on_signal(signum: int, frame: FrameType | None) -> None:
            if stops.signalled.is_set():  # the second: children first, then exit 130
                kill_children()
                recorder.exit_now()
                return
            stops.signalled.set()
            recorder.stopping(signum)
            if config.drain_ms > 0:
                # A timer signal, not a thread: nothing to start in a handler.
                signal.setitimer(signal.ITIMER_REAL, config.drain_ms / 1000)
            else:
                at_deadline(signal.SIGALRM, frame)

        def at_deadline(signum: int, frame: FrameType | None) -> None:
            stops.deadline.set()
            if opened is not None:
                opened.interrupt()  # settling waits no longer for a hung server

        for signum in STOP_SIGNALS:
            signal.signal(signum, on_signal)
        signal.signal(signal.SIGALRM, at_deadline)
        for held in held_back:
            on_signal(held, None)

    try:
        broker = Broker(config, recorder, stops)
    except UnreachableError as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        return 1
    with broker:

        def started(delivery: Delivery, worker: int, at: float) -> None:
            broker.took(delivery, worker)
            if consumes:
                recorder.consume(delivery.job, worker, at)
            recorder.start(delivery.job, worker, at)

        opened = broker
        broker.start_producing()
        if broker.works:
            broker.serve(component, handle, started, ends_on=ends_on)
    signal.setitimer(signal.ITIMER_REAL, 0)  # every job has ended
    code = recorder.finish()  # a cancelled job is pending, not lost: exit 1
    return 1 if broker.failed else code


def _wait_letting_signals_in(event: threading.Event) -> None:
    """Wait for ``event`` in the main thread, a slice at a time, so that a
    signal handler runs meanwhile."""
    while not event.wait(SETTLED_POLL_S):
        pass


class _AnyOf(threading.Event):
    """Set when any of some events is: what the stream's reads stop on.

    Only read, with ``is_set``: the events are set, never this one.
    """

    def __init__(self, *events: threading.Event) -> None:
        super().__init__()
        self._events = events

    def is_set(self) -> bool:
        return any(event.is_set() for event in self._events)

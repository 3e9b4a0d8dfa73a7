"""The program's side of the broker: its roles, and what becomes of each outcome.

A producer appends jobs 1..--jobs to the stream; a worker feeds the
stream's deliveries to the pattern's component and settles every outcome
in this, the parent process: acknowledged when done, left pending for a
retry when failed (dead-lettered after --max-deliveries), handed back when
never started, left pending for another worker when cancelled.

Only the parent talks to Redis. The worker processes compute and report
their outcomes through their pipes, as without a broker: a job is
acknowledged once its outcome has reached the process that prints its
``done``, so a worker killed at the drain deadline can never have
acknowledged a job reported as cancelled. The producer runs on a thread
of its own, with a connection of its own.
"""

from __future__ import annotations

import itertools
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import CancelledError
from dataclasses import dataclass
from multiprocessing.connection import Connection
from types import TracebackType

from ..outcome import Outcome
from ..processes import kill_children, start_helper_processes
from ..processes.children import start_child, stop_signals_blocked
from ..redis_stream import Delivery, GaveUpError, Stream, UnreachableError
from . import Config, CpuWork, Recorder
from .payload import Payload
from .program import SimulatedJob, unwind_for_the_gone_reader

IDLE_POLL_S = 0.05
"""How often an idle worker looks at the backlog, for --idle-exit-ms."""


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

    ``stop`` ends the producing and the reading; it is set from a signal
    handler, so this process's main thread never waits on it. Leaving the
    ``with`` block waits for the producer to finish.
    """

    def __init__(
        self, config: Config, recorder: Recorder, stop: threading.Event
    ) -> None:
        """Connect each role to the stream; exit 1 if the server is unreachable."""
        self._config, self._recorder, self._stop = config, recorder, stop
        self._produced = threading.Event()  # or nothing to produce here
        self._producing: threading.Thread | None = None
        self._watching: threading.Thread | None = None  # for --idle-exit-ms
        self._started: set[str] = set()  # entry ids a worker process has begun
        self._producer: Stream | None = None
        self._worker: Stream | None = None
        try:
            if config.role != "worker":
                self._producer = self._open(buffer=config.buffer)
            if config.role != "producer":
                self._worker = self._open(buffer=None)
        except UnreachableError as error:
            self.close()
            print(f"error: {error}", file=sys.stderr, flush=True)
            sys.exit(1)
        if self._producer is None:
            self._produced.set()

    def _open(self, *, buffer: int | None) -> Stream:
        config = self._config
        return Stream.open(
            config.redis_url,
            config.stream,
            config.consumer,
            claim_idle=config.claim_idle_ms / 1000,
            max_deliveries=config.max_deliveries,
            buffer=buffer,
        )

    def close(self) -> None:
        """Wait for the producer to finish, end the rest, close the connections."""
        if self._producing is not None:
            self._producing.join()
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
        if not self._stop.is_set():
            # With the stop signals held back: a handler that sets the stop
            # must not find this, the main thread, holding the event's lock.
            with stop_signals_blocked():
                self._stop.set()

    @property
    def works(self) -> bool:
        """Whether this process takes jobs: --role worker or both."""
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
        stop = self._stop
        try:
            endless = self._config.jobs == 0
            last = self._config.jobs + 1
            for job in itertools.count(1) if endless else range(1, last):
                payload = Payload.for_job(job, self._config).to_json()
                if stop.is_set() or not stream.produce(job, payload, stop=stop):
                    return  # what it produced is safe in the stream
                self._recorder.produce(job)
        finally:
            self._produced.set()

    def deliveries(self) -> Iterator[Delivery]:
        """The worker's job source, until the stop; with --idle-exit-ms, the
        stop is set once the stream has been empty that long."""
        assert self._worker is not None, "only a worker takes deliveries"
        if self._config.idle_exit_ms > 0:
            self._watching = threading.Thread(
                target=self._stop_when_idle, args=(self._worker,), name="idle-exit"
            )
            self._watching.start()
        return self._worker.deliveries(self._stop, abandoned=self._abandoned)

    def _stop_when_idle(self, stream: Stream) -> None:
        # An entry stays in the stream until a worker acknowledges it, so an
        # empty stream means no job is waiting or held, here or elsewhere.
        idle_s = self._config.idle_exit_ms / 1000
        empty_since: float | None = None
        stop = self._stop
        while not stop.wait(IDLE_POLL_S):
            if not self._produced.is_set() or stream.backlog() > 0:
                empty_since = None
            elif empty_since is None:
                empty_since = time.monotonic()
            elif time.monotonic() - empty_since >= idle_s:
                stop.set()

    def _abandoned(self, delivery: Delivery, error: str) -> None:
        assert delivery.claimed_from is not None
        self._recorder.claim(delivery.job, None, delivery.claimed_from)
        self._recorder.dead(delivery.job, error, delivery.deliveries - 1)

    def took(self, delivery: Delivery, worker: int) -> None:
        """Note that ``worker`` has begun ``delivery``; say if it was claimed.

        Called where the component reports a start, before the ``start`` event.
        """
        self._started.add(delivery.id)
        if delivery.claimed_from is not None:
            self._recorder.claim(delivery.job, worker, delivery.claimed_from)

    def interrupt(self) -> None:
        """At the drain deadline: end a wait for a server that does not answer.

        Safe in a signal handler; the settling it interrupts gives up.
        """
        if self._worker is not None:
            self._worker.interrupt()

    def settle(
        self, outcome: Outcome[Delivery, int], deadline: threading.Event | None = None
    ) -> None:
        """Acknowledge, retry, dead-letter, hand back or leave pending one job.

        A job that raised, or whose worker process died, failed this
        delivery: it is retried from the stream like a poison job. Once
        ``deadline`` is set it no longer waits for the server: the job is
        cancelled, left pending for another worker. None: no deadline.
        """
        try:
            self._settle(outcome, deadline)
        except GaveUpError:
            self._recorder.cancel(outcome.job.job)

    def _settle(
        self, outcome: Outcome[Delivery, int], deadline: threading.Event | None
    ) -> None:
        assert self._worker is not None, "only a worker settles outcomes"
        delivery, error, recorder = outcome.job, outcome.error, self._recorder
        job, stream = delivery.job, self._worker
        started = delivery.id in self._started
        self._started.discard(delivery.id)
        if error is None:
            result = outcome.result()
            if stream.ack(delivery, result, deadline=deadline):
                recorder.done(job, result)
            else:
                recorder.duplicate(job)
        elif isinstance(error, CancelledError) and not started:
            # Read, never begun: back in line.
            stream.release(delivery, deadline=deadline)
        elif isinstance(error, CancelledError):
            recorder.cancel(job)  # its process was killed: pending for another
        else:
            message = str(error) or type(error).__name__
            if stream.fail(delivery, message, deadline=deadline):
                recorder.dead(job, message, delivery.deliveries)
            else:
                recorder.fail(job, error)

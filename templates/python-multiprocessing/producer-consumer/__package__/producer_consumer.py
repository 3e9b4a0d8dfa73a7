"""Producer-consumer: this process fills a bounded queue; consumers empty it."""

from __future__ import annotations

import pickle
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import CancelledError
from multiprocessing.connection import Connection
from multiprocessing.queues import Queue
from queue import Full
from typing import Generic

from .outcome import J, Outcome, R
from .processes import (
    CONTEXT,
    Intake,
    OnStart,
    UnreadableOutcomeError,
    WorkerDiedError,
    require_at_least_one,
    start_helper_processes,
)
from .processes.children import Child, reap_all, start_child
from .processes.messages import Finished, Started, pickled, read_report, run_job
from .processes.pool import wait_or_stop


class ConsumerDiedError(Exception):
    """A consumer process died: the run ended, since the queue may be broken."""


def run(
    jobs: Iterable[J],
    handle: Callable[[J], R],
    *,
    workers: int,
    buffer: int,
    stop: threading.Event | None = None,
    on_start: OnStart[J] | None = None,
) -> Generator[Outcome[J, R], None, None]:
    """Pass ``jobs`` through a queue of ``buffer`` to ``workers`` consumer processes.

    This process is the producer: it takes a job from ``jobs`` only when the
    queue has room, as the consumers' reports show it, so a full queue holds
    the source back (the backpressure). ``jobs`` is read in a thread of its
    own, so a source that blocks holds back neither outcomes nor a stop; a
    job it reads once the stop is set is handed back unstarted with a
    CancelledError, or dropped if the run has ended by then. Each consumer
    takes jobs out and runs ``handle(job)``, which must pickle, as must the
    jobs; ``on_start(job, consumer, started_at)`` runs here once a consumer
    has taken a job and starts it.
    Outcomes come in the order jobs end. A consumer process starts with the
    job that needs it: none for no jobs.

    A job that raises is that job's failed outcome. Once ``stop`` is set no
    job is taken; every process is killed, and each job taken and not ended
    is handed back with a CancelledError. A consumer that dies (a crash, the
    OOM killer, a job that exits) may hold the queue's lock: the run ends,
    its job fails with WorkerDiedError, the others are cancelled, then
    ConsumerDiedError is raised. An error of ``jobs`` itself is raised after
    the outcomes of the jobs in flight. Raises ValueError at once when
    ``workers`` or ``buffer`` is below 1. ``stop`` is a ``threading.Event``:
    a ``processes.Stop`` ends a wait at once, even when a signal handler
    sets it; another is checked every 0.1 s.
    """
    require_at_least_one(workers=workers, buffer=buffer)
    pipeline = _Pipeline(handle, workers, buffer, stop, on_start)
    return pipeline.outcomes(Intake(jobs))


def consume(
    connection: Connection,
    worker: int,
    queue: Queue[bytes | None],
    handle: Callable[[J], R],
) -> None:
    """A consumer process: run the jobs it takes out of ``queue``, until a marker.

    Each comes with its number, which ``Started`` reports: consumers take
    jobs in queue order, but may report their starts in any order.
    """
    while (item := queue.get()) is not None:
        number, job = pickle.loads(item)
        run_job(connection, handle, job, worker, number)
    # Says why it ends: a job may also end the process with code 0
    # (``sys.exit()``), in the middle of its work.
    connection.send(None)


class _Pipeline(Generic[J, R]):
    """The parent's side: the queue, the consumers, and every job not yet ended."""

    def __init__(
        self,
        handle: Callable[[J], R],
        workers: int,
        buffer: int,
        stop: threading.Event | None,
        on_start: OnStart[J] | None,
    ) -> None:
        self._handle = handle
        self._workers = workers
        self._stop = stop
        self._on_start = on_start
        self._buffer = buffer
        self._queue: Queue[bytes | None] | None = None  # the first job makes it
        self._consumers: dict[Connection, tuple[int, Child]] = {}  # still running
        self._started = 0  # consumers started, numbered 1..workers
        self._taken: list[J] = []  # a job read from the source, not yet in the queue
        self._numbered = 0  # jobs put into the queue, numbered 1, 2, ...
        self._in_queue: dict[int, J] = {}  # by number: jobs not yet started
        self._running: dict[int, J] = {}  # consumer -> its job
        self._ended: set[int] = set()  # consumers that took their end marker
        self._markers_left: int | None = None  # to put once the source is exhausted
        self._death = ""  # what ended the run when a consumer died

    def outcomes(self, intake: Intake[J]) -> Generator[Outcome[J, R], None, None]:
        try:
            while not (self._stopped() or self._death):
                yield from self._fill(intake)
                if not (self._consumers or intake.reading):
                    break  # every consumer took its end marker, or none was needed
                connections = list(self._consumers)
                ready = wait_or_stop(connections, self._stop, None, intake)
                yield from self._read_all(ready)
            if intake.reading:  # the job being read when the stop came, if read
                self._taken += intake.take()
        finally:
            intake.close()
            killed = bool(self._consumers)  # a stop, a death, or an error got here
            for _, child in self._consumers.values():
                child.kill()
            reap_all(child for _, child in self._consumers.values())
            self._close_queue(killed)
        yield from self._cancel_open_jobs()
        if self._death:
            raise ConsumerDiedError(self._death)
        intake.raise_error()

    def _stopped(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    def _fill(self, intake: Intake[J]) -> list[Outcome[J, R]]:
        """Put jobs into the queue while it has room, then the end markers.

        Returns the failed outcomes of jobs that cannot be pickled: pickled
        here, since the queue's thread would drop one and go on.
        """
        unsent: list[Outcome[J, R]] = []
        while not self._stopped():
            if not self._taken:
                if len(self._in_queue) >= self._buffer:
                    # Full, as far as the consumers' reports tell: the queue
                    # itself may have room already, but filling it before
                    # the reports are read would run ahead of them.
                    return unsent
                self._taken = intake.take()
            if not self._taken:
                if not intake.open:
                    self._put_markers()
                return unsent  # or once the job asked for is read
            if self._stopped():
                break  # it was read while the stop came: cancelled, unstarted
            [job] = self._taken
            try:
                item = pickled((self._numbered + 1, job))
            except Exception as error:  # the job's own failure, not the run's
                unsent.append(Outcome(job, error=error))
                self._taken = []
                continue
            if self._queue is None:
                start_helper_processes()  # the queue's locks may start one
                self._queue = CONTEXT.Queue(maxsize=self._buffer)
            queue = self._queue
            try:
                queue.put_nowait(item)
            except Full:
                return unsent  # a consumer that takes a job will report it
            self._taken = []
            self._numbered += 1
            self._in_queue[self._numbered] = job
            if self._started < self._workers:
                self._start_consumer(queue)
        return unsent

    def _put_markers(self) -> None:
        # One end marker per consumer: each stops at the first it takes, so
        # a single marker would leave every other consumer waiting forever.
        if self._markers_left is None:
            self._markers_left = self._started
        while self._markers_left and self._queue is not None:
            try:
                self._queue.put_nowait(None)
            except Full:
                return
            self._markers_left -= 1

    def _start_consumer(self, queue: Queue[bytes | None]) -> None:
        self._started += 1
        worker = self._started
        child = start_child(consume, worker, queue, self._handle)
        self._consumers[child.connection] = (worker, child)

    def _read_all(self, ready: list[Connection]) -> Iterator[Outcome[J, R]]:
        for connection in ready:
            if self._death:
                # The death read the others' pipes to their end, and may
                # have reaped the rest of ``ready`` already.
                return
            yield from self._read(connection)

    def _read(self, connection: Connection) -> Iterator[Outcome[J, R]]:
        worker, child = self._consumers[connection]
        try:
            report = read_report(connection)
        except EOFError:
            del self._consumers[connection]
            code = child.reap()
            if code != 0 or worker not in self._ended:
                yield from self._died(worker, code)
            return
        match report:
            case None:
                self._ended.add(worker)
            case Started(number=number, at=started_at):
                job = self._running[worker] = self._in_queue.pop(number)
                if self._on_start is not None:
                    self._on_start(job, worker, started_at)
            case Finished(outcome=outcome):
                del self._running[worker]
                yield outcome
            case UnreadableOutcomeError() as unreadable:  # that job fails alone
                yield Outcome(self._running.pop(worker), error=unreadable)

    def _died(self, worker: int, code: int | None) -> Iterator[Outcome[J, R]]:
        """Fail the dead consumer's job, and hand back what the others reported."""
        message = f"consumer {worker} died: its process exited with code {code}"
        if worker in self._running:
            error = WorkerDiedError(message)
            yield Outcome(self._running.pop(worker), error=error)
        if self._death:
            return  # another death, found while reading after the first
        self._death = message
        for other in list(self._consumers):
            while other in self._consumers and other.poll():
                yield from self._read(other)

    def _cancel_open_jobs(self) -> Iterator[Outcome[J, R]]:
        """Every job taken and not ended, once no process is left to end it."""
        open_jobs = [*self._running.values(), *self._in_queue.values(), *self._taken]
        self._running, self._in_queue, self._taken = {}, {}, []
        for job in open_jobs:
            yield Outcome(job, error=CancelledError())

    def _close_queue(self, killed: bool) -> None:
        if self._queue is None:
            return
        self._queue.close()
        if killed:
            # The queue's thread may wait forever to write into a pipe that
            # no consumer reads any more: this process does not wait for it.
            self._queue.cancel_join_thread()
        else:
            self._queue.join_thread()

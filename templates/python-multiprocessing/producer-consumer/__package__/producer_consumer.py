"""Producer-consumer: a producer process feeds consumer processes through a queue."""

from __future__ import annotations

import pickle
import sys
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.queues import Queue
from multiprocessing.sharedctypes import Synchronized
from typing import Protocol, TypeAlias

from .runtime import (
    CONTEXT,
    Done,
    Failed,
    JobEvents,
    JobFunction,
    Message,
    Started,
    StopRequest,
    UnreadableOutcomeError,
    WorkerDiedError,
    decode,
    reap_all,
    record,
    require_at_least_one,
    run_job,
    start_child,
    wait_for,
)


class BufferEvents(JobEvents, Protocol):
    """Job events, plus an item entering and leaving the buffer, and a cancel."""

    def produce(self, job: int) -> None: ...
    def consume(self, job: int, worker: int) -> None: ...
    def cancel(self, job: int) -> None: ...


@dataclass(frozen=True, slots=True)
class Produced:
    """The producer is about to put ``job`` into the buffer."""

    job: int


@dataclass(frozen=True, slots=True)
class Consumed:
    """Consumer ``worker`` has just taken ``job`` out of the buffer."""

    job: int
    worker: int


Report: TypeAlias = Produced | Consumed | Message

Counter: TypeAlias = "Synchronized[int]"


class Reports:
    """A child's reports to the parent, numbered in the order they are written.

    Each process reports on its own pipe, so that one killed in the middle
    of a report garbles no other's. The numbers come from one counter that
    every process shares, taken while the report is written: the parent
    puts the reports of every pipe back in the order they happened. It sees
    an item produced before it is consumed, and never more items produced
    and not yet consumed than the buffer allows.
    """

    def __init__(self, connection: Connection, counter: Counter) -> None:
        self._connection = connection
        self._counter = counter

    def send(self, obj: Report) -> None:
        """Write one report to the parent (in a child)."""
        data = pickle.dumps(obj)
        with self._counter.get_lock():
            self._counter.value += 1
            number = self._counter.value.to_bytes(8, "big")
            self._connection.send_bytes(number + data)

    def finish(self) -> None:
        """Tell the parent this consumer has taken its end marker (an empty report).

        A consumer's process can also end with code 0 in the middle of a job,
        when the job calls ``sys.exit()`` or ``os._exit(0)``: only this report
        tells the parent that it ended because its work was over.
        """
        self._connection.send_bytes(b"")


def produce(
    connection: Connection,
    counter: Counter,
    jobs: int,
    buffer: Queue[int | None],
    consumers: int,
) -> None:
    """The producer process: put jobs 1..``jobs`` into ``buffer``, then end markers."""
    reports = Reports(connection, counter)
    for job in range(1, jobs + 1):
        reports.send(Produced(job))
        buffer.put(job)  # waits while the buffer is full: the backpressure
    # One end marker per consumer: each consumer stops at the first it takes,
    # so a single marker would leave every other consumer waiting forever.
    for _ in range(consumers):
        buffer.put(None)


def consume(
    connection: Connection,
    counter: Counter,
    worker: int,
    buffer: Queue[int | None],
    run: JobFunction,
) -> None:
    """A consumer process: take jobs out of ``buffer`` and run them, until a marker."""
    reports = Reports(connection, counter)
    while (job := buffer.get()) is not None:
        reports.send(Consumed(job, worker))
        run_job(reports, run, job, worker)
    reports.finish()


def produce_and_consume(
    run: JobFunction,
    jobs: int,
    *,
    consumers: int,
    buffer_size: int,
    events: BufferEvents,
    stop: StopRequest,
) -> bool:
    """Pass jobs 1..``jobs`` through a buffer of ``buffer_size`` to ``consumers``.

    One producer process puts the jobs into a ``multiprocessing.Queue``;
    each consumer process takes them out and runs ``run(job)``. Every step
    goes to ``events``. Returns True once every consumer has run out of
    work, or False as soon as ``stop`` is requested, after killing the
    producer and the consumers.

    A process that dies (a crash, the OOM killer, a job that exits) ends the
    run at once, with a line on stderr naming it and its exit code: it
    may have died holding the queue's lock, or left an end marker that no
    one will take, and the others would wait forever. Its job, if it had
    one, fails with WorkerDiedError; every other job still open is
    cancelled; the function returns True.

    No more consumers start than there are jobs, and none (nor the
    producer) when there are no jobs: a process costs milliseconds to start.
    Raises ValueError when ``consumers`` or ``buffer_size`` is below 1.
    """
    require_at_least_one(consumers=consumers, buffer_size=buffer_size)
    if jobs == 0:
        return not stop.requested
    consumers = min(consumers, jobs)
    buffer: Queue[int | None] = CONTEXT.Queue(maxsize=buffer_size)
    counter: Counter = CONTEXT.Value("Q", 0)
    pipeline = _Pipeline(events)
    producer = start_child(produce, counter, jobs, buffer, consumers)
    consumer_children = [
        start_child(consume, counter, worker, buffer, run)
        for worker in range(1, consumers + 1)
    ]
    worker_of = {producer.connection: None} | {
        child.connection: worker
        for worker, child in enumerate(consumer_children, start=1)
    }
    running = {child.connection: child for child in [producer, *consumer_children]}
    died = False
    try:
        while running and not died and not stop.requested:
            for connection in wait_for(list(running), stop):
                if pipeline.read(connection, worker_of[connection]):
                    continue
                # End of file: the process has ended, or died.
                code = running.pop(connection).reap()
                worker = worker_of[connection]
                if not pipeline.died(worker, code):
                    continue
                # What the others wrote before it died may not be read yet:
                # read it, so that the dead consumer's last job is known.
                for other in running:
                    while other.poll() and pipeline.read(other, worker_of[other]):
                        pass
                pipeline.report_death(worker, code)
                died = True
                break  # the others' pipes are read: none may be read again
    finally:
        for child in running.values():
            child.kill()  # still running: stopped, a death, or an exception got here
        reap_all(running.values())
        buffer.close()
    if died:
        pipeline.cancel_open_jobs()
        return True
    return not stop.requested


class _Pipeline:
    """The parent's view of a run: reports in order, jobs running, jobs open."""

    def __init__(self, events: BufferEvents) -> None:
        self._events = events
        self._next = 1  # the number of the next report to pass on
        self._early: dict[int, tuple[int | None, bytes]] = {}  # number -> report
        self._jobs_of: dict[int, int] = {}  # consumer -> the job it is running
        self._open: set[int] = set()  # produced, and not yet ended
        self._finished: set[int] = set()  # consumers that took their end marker

    def read(self, connection: Connection, worker: int | None) -> bool:
        """Read a report from consumer ``worker`` (None: the producer).

        Reports are passed on in the order of their numbers; one that comes
        early waits for those before it. Returns False at the end of file:
        the process has ended.
        """
        try:
            data = connection.recv_bytes()
        except EOFError:
            return False
        if not data and worker is not None:
            self._finished.add(worker)
            return True
        self._early[int.from_bytes(data[:8], "big")] = (worker, data[8:])
        while self._next in self._early:
            self._report(*self._early.pop(self._next))
            self._next += 1
        return True

    def died(self, worker: int | None, code: int | None) -> bool:
        """Whether a process that ended with ``code`` died.

        The producer ends with 0 once it has put every end marker. A
        consumer ends once it has taken its own, and says so first
        (``Reports.finish``): one that ends without saying so has died, even
        with code 0.
        """
        return code != 0 or (worker is not None and worker not in self._finished)

    def report_death(self, worker: int | None, code: int | None) -> None:
        """Name the dead process on stderr, and fail its job if it had one."""
        name = "producer" if worker is None else f"consumer {worker}"
        print(f"{name} died: its process exited with code {code}", file=sys.stderr)
        if worker is not None and worker in self._jobs_of:
            error = WorkerDiedError(f"consumer process exited with code {code}")
            self._pass_on(Failed(self._jobs_of[worker], worker, error))

    def cancel_open_jobs(self) -> None:
        """Report every job produced and not yet ended as cancelled."""
        for job in sorted(self._open):
            self._events.cancel(job)
        self._open.clear()

    def _report(self, worker: int | None, data: bytes) -> None:
        report: Report
        try:
            report = decode(data)
        except UnreadableOutcomeError as error:
            if worker is None:
                raise  # the producer sends job numbers only: a bug, not a job's fault
            report = Failed(self._jobs_of[worker], worker, error)
        self._pass_on(report)

    def _pass_on(self, report: Report) -> None:
        match report:
            case Produced(job):
                self._open.add(job)
                self._events.produce(job)
            case Consumed(job, worker):
                self._jobs_of[worker] = job
                self._events.consume(job, worker)
            case Started():
                record(report, self._events)
            case Done() | Failed():
                del self._jobs_of[report.worker]
                self._open.discard(report.job)
                record(report, self._events)

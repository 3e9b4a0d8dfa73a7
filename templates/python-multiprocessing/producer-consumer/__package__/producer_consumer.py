"""Producer-consumer: a producer process feeds consumer processes through a queue."""

from __future__ import annotations

from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.queues import Queue
from typing import Any, Protocol

from .runtime import (
    CONTEXT,
    Done,
    Failed,
    JobEvents,
    JobFunction,
    Started,
    StopRequest,
    WorkerDiedError,
    record,
    run_job,
    start_child,
    wait_for,
)


class BufferEvents(JobEvents, Protocol):
    """Job events, plus an item entering and leaving the buffer."""

    def produce(self, job: int) -> None: ...
    def consume(self, job: int, worker: int) -> None: ...


@dataclass(frozen=True, slots=True)
class Produced:
    """The producer is about to put ``job`` into the buffer."""

    job: int


@dataclass(frozen=True, slots=True)
class Consumed:
    """Consumer ``worker`` has just taken ``job`` out of the buffer."""

    job: int
    worker: int


class Reports:
    """One pipe that the producer and every consumer report on.

    The parent reads the reports in the order they were written, so it sees
    an item produced before it is consumed, as it happened. (With a pipe per
    process it could not tell: the producer's pipe runs ahead of the
    consumers'.) The lock keeps each message whole.
    """

    def __init__(self) -> None:
        self.reader, self._writer = CONTEXT.Pipe(duplex=False)
        self._lock = CONTEXT.Lock()

    def send(self, message: Any) -> None:
        """Write one message (in a child)."""
        with self._lock:
            self._writer.send(message)

    def close(self) -> None:
        self.reader.close()
        self._writer.close()


def produce(
    ended: Connection,
    reports: Reports,
    jobs: int,
    buffer: Queue[int | None],
    consumers: int,
) -> None:
    """The producer process: put jobs 1..``jobs`` into ``buffer``, then end markers."""
    for job in range(1, jobs + 1):
        reports.send(Produced(job))
        buffer.put(job)  # waits while the buffer is full: the backpressure
    # One end marker per consumer: each consumer stops at the first it takes,
    # so a single marker would leave every other consumer waiting forever.
    for _ in range(consumers):
        buffer.put(None)


def consume(
    ended: Connection,
    reports: Reports,
    worker: int,
    buffer: Queue[int | None],
    run: JobFunction,
) -> None:
    """A consumer process: take jobs out of ``buffer`` and run them, until a marker."""
    while (job := buffer.get()) is not None:
        reports.send(Consumed(job, worker))
        run_job(reports, run, job, worker)


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

    No more consumers start than there are jobs, and none (nor the
    producer) when there are no jobs: a process costs milliseconds to start.
    """
    if jobs == 0:
        return not stop.requested
    consumers = min(consumers, jobs)
    buffer: Queue[int | None] = CONTEXT.Queue(maxsize=buffer_size)
    reports = Reports()
    producer = start_child(produce, reports, jobs, buffer, consumers)
    consumer_children = [
        start_child(consume, reports, worker, buffer, run)
        for worker in range(1, consumers + 1)
    ]
    children = [producer, *consumer_children]
    # Nothing is sent on a child's own pipe: its end of file says the child ended.
    running = {child.connection: child for child in children}
    consumer_of = {
        child.connection: worker
        for worker, child in enumerate(consumer_children, start=1)
    }
    jobs_of: dict[int, int] = {}  # consumer -> the job it is running

    def report(message: Any) -> None:
        match message:
            case Produced(job):
                events.produce(job)
            case Consumed(job, worker):
                jobs_of[worker] = job
                events.consume(job, worker)
            case Started():
                record(message, events)
            case Done() | Failed():
                del jobs_of[message.worker]
                record(message, events)

    try:
        while running and not stop.requested:
            ready = wait_for([reports.reader, *running], stop)
            # A child writes its reports before it ends: read them all first.
            while reports.reader.poll():
                report(reports.reader.recv())
            for connection in ready:
                if connection is reports.reader:
                    continue
                process = running.pop(connection).process
                worker = consumer_of.get(connection, 0)
                if worker in jobs_of:  # a consumer that died in the middle of a job
                    process.join()
                    reason = f"consumer process exited with code {process.exitcode}"
                    events.fail(jobs_of.pop(worker), WorkerDiedError(reason))
        return not stop.requested
    finally:
        for child in running.values():
            child.kill()  # still running: stopped, or an exception got here
        for child in children:
            child.reap()
        buffer.close()
        reports.close()

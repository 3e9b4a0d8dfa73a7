"""Producer-consumer: a producer process feeds consumer processes through a queue."""

from __future__ import annotations

from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.queues import Queue
from typing import Protocol

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


def produce(
    connection: Connection, jobs: int, buffer: Queue[int | None], consumers: int
) -> None:
    """The producer process: put jobs 1..``jobs`` into ``buffer``, then end markers."""
    for job in range(1, jobs + 1):
        connection.send(Produced(job))
        buffer.put(job)  # waits while the buffer is full: the backpressure
    # One end marker per consumer: each consumer stops at the first it takes,
    # so a single marker would leave every other consumer waiting forever.
    for _ in range(consumers):
        buffer.put(None)


def consume(
    connection: Connection, worker: int, buffer: Queue[int | None], run: JobFunction
) -> None:
    """A consumer process: take jobs out of ``buffer`` and run them, until a marker."""
    while (job := buffer.get()) is not None:
        connection.send(Consumed(job, worker))
        run_job(connection, run, job, worker)


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
    """
    buffer: Queue[int | None] = CONTEXT.Queue(maxsize=buffer_size)
    producer = start_child(produce, jobs, buffer, consumers)
    children = [producer] + [
        start_child(consume, worker, buffer, run) for worker in range(1, consumers + 1)
    ]
    running: dict[Connection, int] = {}  # a consumer's pipe -> the job it runs
    produced: set[int] = set()

    def take_produced(message: Produced) -> None:
        produced.add(message.job)
        events.produce(message.job)

    live = {child.connection: child for child in children}
    try:
        while live and not stop.requested:
            for connection in wait_for(list(live), stop):
                try:
                    message = connection.recv()
                except EOFError:  # that process has ended
                    child = live.pop(connection)
                    if (job := running.pop(connection, None)) is not None:
                        child.process.join()
                        code = child.process.exitcode
                        message = f"consumer process exited with code {code}"
                        events.fail(job, WorkerDiedError(message))
                    continue
                match message:
                    case Produced():
                        take_produced(message)
                    case Consumed(job, worker):
                        # The producer sent Produced(job) before job entered the
                        # buffer, so it is in the producer's pipe already; but
                        # this wait may have read the consumer's pipe first.
                        while job not in produced:
                            take_produced(producer.connection.recv())
                        running[connection] = job
                        events.consume(job, worker)
                    case Started():
                        record(message, events)
                    case Done() | Failed():
                        del running[connection]
                        record(message, events)
        return not stop.requested
    finally:
        for child in live.values():
            child.kill()  # still running: stopped, or an exception got here
        for child in children:
            child.reap()
        buffer.close()

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


def produce(
    reports: Connection, jobs: int, buffer: Queue[int | None], consumers: int
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
    reports: Connection, worker: int, buffer: Queue[int | None], run: JobFunction
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

    A process that dies (a crash, the OOM killer) ends the run at once: it
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
    pipeline = _Pipeline(events)
    producer = start_child(produce, jobs, buffer, consumers)
    # Each process reports on its own pipe: one killed in the middle of a
    # report garbles no other's, and the end of file says it has ended.
    consumer_children = [
        start_child(consume, worker, buffer, run) for worker in range(1, consumers + 1)
    ]
    consumer_of = {
        child.connection: worker
        for worker, child in enumerate(consumer_children, start=1)
    }
    running = {child.connection: child for child in [producer, *consumer_children]}
    died = False
    try:
        while running and not died and not stop.requested:
            ready = wait_for(list(running), stop)
            # The producer reports an item before putting it into the buffer,
            # so whatever it has written is read first: an item's produce
            # comes before its consume, although they arrive on two pipes.
            if producer.connection in ready:
                ready.remove(producer.connection)
                while producer.connection.poll():
                    if not pipeline.read(producer.connection):
                        died = running.pop(producer.connection).reap() != 0
                        break
            for connection in ready:
                worker = consumer_of[connection]
                if not pipeline.read(connection, worker):
                    code = running.pop(connection).reap()
                    died = died or pipeline.ended(worker, code)
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
    """The parent's view of a run: each consumer's job, and the jobs still open."""

    def __init__(self, events: BufferEvents) -> None:
        self._events = events
        self._jobs_of: dict[int, int] = {}  # consumer -> the job it is running
        self._open: set[int] = set()  # produced, and not yet ended

    def read(self, connection: Connection, worker: int | None = None) -> bool:
        """Report the next message from consumer ``worker`` (None: the producer).

        Returns False at the end of file: the process has ended.
        """
        message: Produced | Consumed | Message
        try:
            message = decode(connection.recv_bytes())
        except EOFError:
            return False
        except UnreadableOutcomeError as error:
            if worker is None:
                raise  # the producer sends job numbers only: a bug, not a job's fault
            message = Failed(self._jobs_of[worker], worker, error)
        self._report(message)
        return True

    def ended(self, worker: int, code: int | None) -> bool:
        """Consumer ``worker`` ended with ``code``; True if it died.

        A consumer ends with 0 once it has taken its end marker; any other
        code is a death, and its job, if it had one, fails.
        """
        if code == 0:
            return False
        if worker in self._jobs_of:
            error = WorkerDiedError(f"consumer process exited with code {code}")
            self._report(Failed(self._jobs_of[worker], worker, error))
        return True

    def cancel_open_jobs(self) -> None:
        """Report every job produced and not yet ended as cancelled."""
        for job in sorted(self._open):
            self._events.cancel(job)
        self._open.clear()

    def _report(self, message: Produced | Consumed | Message) -> None:
        match message:
            case Produced(job):
                self._open.add(job)
                self._events.produce(job)
            case Consumed(job, worker):
                self._jobs_of[worker] = job
                self._events.consume(job, worker)
            case Started():
                record(message, self._events)
            case Done() | Failed():
                del self._jobs_of[message.worker]
                self._open.discard(message.job)
                record(message, self._events)

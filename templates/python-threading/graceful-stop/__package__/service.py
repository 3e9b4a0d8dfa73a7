"""Graceful stop: a service whose workers take jobs until they are told to stop.

On ``stop()`` no worker takes another job; the jobs in flight may finish
within the drain time, and those still running after it are told to abort.
One reader thread reads ahead from the source, at most one job per worker,
so a source that blocks holds up the reader alone: a stop still wakes
every waiting worker. A job read but never started is handed back, not
dropped. Workers wait on a condition and jobs on the abort event, so the
whole service is asleep whenever it has nothing to compute.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from enum import Enum
from typing import Generic, TypeVar

J = TypeVar("J")

# CPython runs a Python signal handler only when the main thread executes
# bytecode. A signal that lands after the interpreter's last check but
# before a blocking wait begins is not acted on until that wait ends, so
# the serving thread never blocks longer than this: a stop, or a second
# signal, takes effect within it.
SIGNAL_CHECK_SECONDS = 0.1


class _Stop(Enum):
    REQUESTED = "stop requested"


class _Marker(Enum):
    # An Enum member rather than None, so that None can be a job and mypy
    # can tell the marker from a job.
    END = "no more jobs"


class Service(Generic[J]):
    """``workers`` threads call ``handle(job, worker, abort)`` on each job.

    Jobs come from ``jobs`` (possibly endless, possibly blocking), each taken
    by one worker, numbered 1..workers. ``handle`` must return soon after
    ``abort`` is set: wait on it rather than sleep, check it between steps
    of computation. ``on_unstarted(job)``, when given, is called in the
    serving thread for each job read from the source that no worker
    started because the service stopped. ``initializer()``, when given,
    runs first in every thread the service starts, as in
    ``ThreadPoolExecutor``.
    """

    def __init__(
        self,
        handle: Callable[[J, int, threading.Event], object],
        jobs: Iterable[J],
        *,
        workers: int,
        on_unstarted: Callable[[J], object] | None = None,
        initializer: Callable[[], object] | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self._handle = handle
        self._jobs = iter(jobs)
        self._workers = workers
        self._on_unstarted = on_unstarted
        self._initializer = initializer
        self._abort = threading.Event()
        # A plain attribute store, so stop() may set it from a signal
        # handler; workers read it before taking each job.
        self._stop_requested = False
        # The hand-over from the reader to the workers, all guarded by one
        # lock: the jobs read ahead (one per worker at most, so a stop hands
        # back few), whether the reader is inside the source, whether the
        # source has ended and whether intake is still open. Each condition
        # has one kind of waiter, so notify() wakes exactly the one needed.
        self._lock = threading.Lock()
        self._has_job = threading.Condition(self._lock)
        self._has_room = threading.Condition(self._lock)
        self._read_ahead: deque[J] = deque()
        self._reading = False
        self._source_ended = False
        self._intake_open = True
        self._source_error: Exception | None = None
        # What wakes the serving thread: a stop request, or a worker that has
        # ended. SimpleQueue.put is reentrant, so a signal handler may call it
        # whatever the thread it interrupts is doing, even a get() on it.
        self._mailbox: queue.SimpleQueue[_Stop | Future[None]] = queue.SimpleQueue()

    def stop(self) -> None:
        """Stop taking jobs and start the drain. Safe in a signal handler.

        It sets a flag the workers check before each job and posts a
        message to the thread in ``serve``, which closes intake itself. A
        handler that set an Event or took a lock here could deadlock:
        Python runs it in the main thread between two bytecodes, maybe
        while that thread holds the same lock.
        """
        self._stop_requested = True
        self._mailbox.put(_Stop.REQUESTED)

    def serve(self, *, drain_seconds: float) -> bool:
        """Run until ``stop()`` or until the jobs run out, then drain.

        Returns True when every job that started has finished, False when
        some were still running ``drain_seconds`` after the stop and had to
        be aborted. Jobs read ahead and never started go to
        ``on_unstarted`` before this returns. Blocks the calling thread in
        a wait that signals interrupt, so call ``stop()`` from a signal
        handler. A worker's exception (a bug in ``handle``) stops the
        service and is raised; so is the source's, once the jobs in flight
        have finished.

        A reader still blocked in the source is not waited for: Python
        cannot interrupt it. It is a daemon thread, which ends once the
        source returns (a job it returns then reaches no one), or with the
        process.
        """
        if drain_seconds < 0:
            raise ValueError(f"drain_seconds must be >= 0, got {drain_seconds}")
        reader = threading.Thread(target=self._read, name="reader", daemon=True)
        with ThreadPoolExecutor(
            max_workers=self._workers,
            thread_name_prefix="worker",
            initializer=self._initializer,
        ) as pool:
            workers = [
                pool.submit(self._work, number)
                for number in range(1, self._workers + 1)
            ]
            for worker in workers:
                worker.add_done_callback(self._mailbox.put)
            reader.start()
            self._wait_for_stop(len(workers))
            reader_in_source = self._close_intake()
            still_running = self._drain(workers, drain_seconds)
            if still_running:
                self._abort.set()
        # Leaving the with block joined every worker.
        if not reader_in_source:
            reader.join()  # it is waiting for room, and intake is closed
        with self._lock:
            unstarted = list(self._read_ahead)
            self._read_ahead.clear()
        if self._on_unstarted is not None:
            for job in unstarted:
                self._on_unstarted(job)
        for worker in workers:
            worker.result()  # raises the exception of a failed worker
        if self._source_error is not None:
            raise self._source_error
        return not still_running

    def _wait_for_stop(self, workers: int) -> None:
        """Sleep until a stop request, a failed worker or the last worker's end."""
        while workers:
            try:
                message = self._mailbox.get(timeout=SIGNAL_CHECK_SECONDS)
            except queue.Empty:
                continue
            if message is _Stop.REQUESTED:
                return
            if isinstance(message, Future) and message.exception() is not None:
                return
            workers -= 1

    def _drain(
        self, workers: list[Future[None]], drain_seconds: float
    ) -> set[Future[None]]:
        """Wait up to ``drain_seconds`` for the workers; return those still running."""
        deadline = time.monotonic() + drain_seconds
        while True:
            left = deadline - time.monotonic()
            _, still_running = wait(
                workers, timeout=max(0.0, min(left, SIGNAL_CHECK_SECONDS))
            )
            if not still_running or left <= SIGNAL_CHECK_SECONDS:
                return still_running

    def _close_intake(self) -> bool:
        """No worker takes another job; returns whether the reader is in the source."""
        with self._lock:
            self._intake_open = False
            self._has_job.notify_all()
            self._has_room.notify_all()
            return self._reading

    def _work(self, worker: int) -> None:
        while not isinstance(job := self._take(), _Marker):
            self._handle(job, worker, self._abort)

    def _take(self) -> J | _Marker:
        """Wait for a job read ahead; END once stopped or the source is done."""
        with self._lock:
            while not (
                self._read_ahead
                or self._source_ended
                or self._stop_requested
                or not self._intake_open
            ):
                self._has_job.wait()
            if self._stop_requested or not self._intake_open or not self._read_ahead:
                return _Marker.END  # what is left is handed back by serve
            job = self._read_ahead.popleft()
            self._has_room.notify()
            return job

    def _read(self) -> None:
        """Keep up to one job per worker read ahead of the workers."""
        try:
            if self._initializer is not None:
                self._initializer()
            while self._wait_for_room():
                # Outside the lock: the source may block for as long as it likes.
                job = next(self._jobs, _Marker.END)
                with self._lock:
                    self._reading = False
                    if job is _Marker.END:
                        return
                    # Kept even after a stop: serve hands it back.
                    self._read_ahead.append(job)
                    self._has_job.notify()
        except Exception as error:
            self._source_error = error
        finally:
            # The source ended or failed: workers take what is read, then end.
            with self._lock:
                self._reading = False
                self._source_ended = True
                self._has_job.notify_all()

    def _wait_for_room(self) -> bool:
        """Wait until fewer jobs than workers are read ahead; False once closed."""
        with self._lock:
            while self._intake_open and len(self._read_ahead) >= self._workers:
                self._has_room.wait()
            self._reading = self._intake_open
            return self._intake_open

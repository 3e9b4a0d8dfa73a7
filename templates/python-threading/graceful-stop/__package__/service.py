"""Graceful stop: a service whose workers take jobs until they are told to stop.

On ``stop()`` no worker takes another job; the jobs in flight may finish
within the drain time, and those still running after it are told to abort.
Every worker checks for the stop between two jobs and waits on the abort
event during a job, so the whole service is asleep whenever it has nothing
to compute.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from enum import Enum
from typing import Generic, TypeVar

J = TypeVar("J")


class _Stop(Enum):
    REQUESTED = "stop requested"


class _End(Enum):
    # An enum member rather than None, so that None can be a job and mypy
    # can tell the marker from a job.
    OF_JOBS = "no more jobs"


class Service(Generic[J]):
    """``workers`` threads call ``handle(job, worker, abort)`` on each job.

    Jobs come from ``jobs`` (possibly endless), each taken by one worker,
    numbered 1..workers. ``handle`` must return soon after ``abort`` is set:
    wait on it rather than sleep, check it between steps of computation.
    """

    def __init__(
        self,
        handle: Callable[[J, int, threading.Event], object],
        jobs: Iterable[J],
        *,
        workers: int,
    ) -> None:
        self._handle = handle
        self._jobs = iter(jobs)
        self._jobs_lock = threading.Lock()
        self._workers = workers
        self._stopping = threading.Event()
        self._abort = threading.Event()
        # What wakes the main thread while it serves: a stop request, or a
        # worker that has ended. SimpleQueue.put is reentrant, so a signal
        # handler may call it even when it interrupts a get() on this queue.
        self._mailbox: queue.SimpleQueue[_Stop | Future[None]] = queue.SimpleQueue()

    def stop(self) -> None:
        """Stop taking jobs and start the drain. Safe in a signal handler."""
        # The handler runs in the main thread, which never waits on
        # _stopping: setting it cannot deadlock on the event's own lock.
        self._stopping.set()
        self._mailbox.put(_Stop.REQUESTED)

    def serve(self, *, drain_seconds: float) -> bool:
        """Run until ``stop()`` or until the jobs run out, then drain.

        Returns True when every job that started has finished, False when
        some were still running ``drain_seconds`` after the stop and had to
        be aborted. Blocks the calling thread in a wait that signals
        interrupt, so call ``stop()`` from a signal handler. A worker's
        exception (a bug in ``handle``) stops the service and is raised.
        """
        with ThreadPoolExecutor(
            max_workers=self._workers, thread_name_prefix="worker"
        ) as pool:
            workers = [
                pool.submit(self._work, number)
                for number in range(1, self._workers + 1)
            ]
            for worker in workers:
                worker.add_done_callback(self._mailbox.put)
            self._wait_for_stop(len(workers))
            self._stopping.set()
            _, still_running = wait(workers, timeout=drain_seconds)
            if still_running:
                self._abort.set()
        # Leaving the with block joined every worker.
        for worker in workers:
            worker.result()  # raises the exception of a failed worker
        return not still_running

    def _wait_for_stop(self, workers: int) -> None:
        """Sleep until a stop request, a failed worker or the last worker's end."""
        while workers:
            message = self._mailbox.get()
            if message is _Stop.REQUESTED:
                return
            if isinstance(message, Future) and message.exception() is not None:
                return
            workers -= 1

    def _work(self, worker: int) -> None:
        while (job := self._take()) is not _End.OF_JOBS:
            self._handle(job, worker, self._abort)

    def _take(self) -> J | _End:
        # Workers share one iterator, and a generator cannot be advanced by
        # two threads at once.
        with self._jobs_lock:
            if self._stopping.is_set():
                return _End.OF_JOBS
            return next(self._jobs, _End.OF_JOBS)

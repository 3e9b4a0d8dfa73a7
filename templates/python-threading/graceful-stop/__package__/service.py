"""Graceful stop: a service whose workers take jobs until they are told to stop.

On ``stop()`` no worker takes another job; the jobs in flight may finish
within the drain time, and those still running after it are told to abort.
One reader thread takes jobs from the source, one for each worker waiting
for a job, so a source that blocks holds up the reader alone: a stop still
wakes every waiting worker. Workers wait on a condition and jobs on the
abort event, so the whole service is asleep whenever it has nothing to
compute.
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


class _Marker(Enum):
    # Enum members rather than None, so that None can be a job and mypy can
    # tell a marker from a job.
    NO_JOB = "no job on offer"
    END = "no more jobs"


class Service(Generic[J]):
    """``workers`` threads call ``handle(job, worker, abort)`` on each job.

    Jobs come from ``jobs`` (possibly endless, possibly blocking), each taken
    by one worker, numbered 1..workers. ``handle`` must return soon after
    ``abort`` is set: wait on it rather than sleep, check it between steps
    of computation. ``initializer()``, when given, runs first in every
    thread the service starts, as in ``ThreadPoolExecutor``.
    """

    def __init__(
        self,
        handle: Callable[[J, int, threading.Event], object],
        jobs: Iterable[J],
        *,
        workers: int,
        initializer: Callable[[], object] | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self._handle = handle
        self._jobs = iter(jobs)
        self._workers = workers
        self._initializer = initializer
        self._abort = threading.Event()
        # The hand-over from the reader to the workers, all guarded by
        # _handover: the job on offer, how many workers wait for one, whether
        # the reader is inside the source, and whether intake is still open.
        self._handover = threading.Condition()
        self._offered: J | _Marker = _Marker.NO_JOB
        self._waiting = 0
        self._reading = False
        self._intake_open = True
        self._source_error: Exception | None = None
        # What wakes the serving thread: a stop request, or a worker that has
        # ended. SimpleQueue.put is reentrant, so a signal handler may call it
        # whatever the thread it interrupts is doing, even a get() on it.
        self._mailbox: queue.SimpleQueue[_Stop | Future[None]] = queue.SimpleQueue()

    def stop(self) -> None:
        """Stop taking jobs and start the drain. Safe in a signal handler.

        It only posts a message to the thread in ``serve``, which closes
        intake itself. A handler that set an Event or took a lock here
        could deadlock: Python runs it in the main thread between two
        bytecodes, maybe while that thread holds the same lock.
        """
        self._mailbox.put(_Stop.REQUESTED)

    def serve(self, *, drain_seconds: float) -> bool:
        """Run until ``stop()`` or until the jobs run out, then drain.

        Returns True when every job that started has finished, False when
        some were still running ``drain_seconds`` after the stop and had to
        be aborted. Blocks the calling thread in a wait that signals
        interrupt, so call ``stop()`` from a signal handler. A worker's
        exception (a bug in ``handle``) stops the service and is raised;
        so is the source's, once the jobs in flight have finished.

        A reader still blocked in the source is not waited for: Python
        cannot interrupt it. It is a daemon thread, which ends once the
        source returns (that job is dropped), or with the process.
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
            _, still_running = wait(workers, timeout=drain_seconds)
            if still_running:
                self._abort.set()
        # Leaving the with block joined every worker.
        if not reader_in_source:
            reader.join()  # it is waiting for demand, and intake is closed
        for worker in workers:
            worker.result()  # raises the exception of a failed worker
        if self._source_error is not None:
            raise self._source_error
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

    def _close_intake(self) -> bool:
        """No worker takes another job; returns whether the reader is in the source."""
        with self._handover:
            self._intake_open = False
            self._handover.notify_all()
            return self._reading

    def _work(self, worker: int) -> None:
        while not isinstance(job := self._take(), _Marker):
            self._handle(job, worker, self._abort)

    def _take(self) -> J | _Marker:
        """Wait for the reader's next job; END once intake is closed."""
        with self._handover:
            self._waiting += 1
            self._handover.notify_all()  # the reader reads for waiting workers
            while self._intake_open and self._offered is _Marker.NO_JOB:
                self._handover.wait()
            self._waiting -= 1
            job = self._offered if self._intake_open else _Marker.END
            self._offered = _Marker.NO_JOB
            self._handover.notify_all()
            return job

    def _read(self) -> None:
        """Take a job from the source each time a worker waits for one."""
        try:
            if self._initializer is not None:
                self._initializer()
            while self._wait_for_demand():
                # Outside the lock: the source may block for as long as it likes.
                job = next(self._jobs, _Marker.END)
                if not self._offer(job):
                    return
        except Exception as error:
            self._source_error = error
        finally:
            self._close_intake()  # the source ended or failed: workers end too

    def _wait_for_demand(self) -> bool:
        """Wait until a worker waits and nothing is on offer; False once closed."""
        with self._handover:
            while self._intake_open and (
                self._waiting == 0 or self._offered is not _Marker.NO_JOB
            ):
                self._handover.wait()
            self._reading = self._intake_open
            return self._intake_open

    def _offer(self, job: J | _Marker) -> bool:
        """Offer ``job`` to the waiting workers; False if there is none to offer."""
        with self._handover:
            self._reading = False
            # A job read after the stop is dropped: no worker takes it.
            if job is _Marker.END or not self._intake_open:
                return False
            self._offered = job
            self._handover.notify_all()
            return True

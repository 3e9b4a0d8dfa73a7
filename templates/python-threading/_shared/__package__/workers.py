"""Worker threads fed from a job source: what every pattern here is built on.

``run_workers`` starts one reader thread and ``workers`` worker threads:

- the reader takes jobs from the source one at a time into a queue of
  ``capacity``, blocking while it is full, so an endless source is read
  lazily. A source that blocks holds up the reader alone: jobs already
  read still run and their outcomes still come back;
- each worker takes a job from the queue and calls ``handle(job, worker)``;
  what the handler returns or raises becomes the job's ``Outcome``;
- the caller's thread, in the generator, hands the outcomes back as they
  finish, and a worker waits for its outcome to be taken before its next
  job: at most ``capacity + workers + 1`` jobs are read and not yet handed
  back, whatever the length of the source.

A stop closes the queue: the reader reads no more, every worker waiting
for input wakes up, and the jobs read and not started come back as
outcomes whose error is ``NotStartedError``. A thread cannot be
interrupted, so a job in flight ends when its handler returns. The run
does not wait for a reader blocked in the source: it is a daemon thread,
left there; the job the source gives it next is dropped, and it ends. So
that no job is lost, make a source that blocks return once stopped (close
its socket, or wait with a timeout and check the stop).

Why not ``ThreadPoolExecutor``: it queues every job submitted to it without
limit, gives a job no worker number, and its idle threads wait on a queue
that no stop can reach.
"""

from __future__ import annotations

import contextlib
import inspect
import queue
import sys
import threading
import weakref
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import CancelledError
from typing import Generic, TypeAlias

from .outcome import J, Outcome, R

# CPython runs a Python signal handler only in the main thread, between two
# bytecodes. A signal that lands just before a blocking wait begins is acted
# on only when the wait ends, so the caller's thread never blocks longer
# than this: a stop, or a second signal, takes effect within it.
SIGNAL_CHECK_SECONDS = 0.1


class NotStartedError(CancelledError):
    """The job was read from the source, and a stop came before it started."""


if sys.version_info >= (3, 13):
    from queue import Queue, ShutDown
else:

    class ShutDown(Exception):  # noqa: N818 (the name of queue.ShutDown)
        """Raised by ``put`` after ``shutdown()``, by ``get`` once also empty."""

    class Queue(queue.Queue[J]):
        """``queue.Queue`` with the ``shutdown()`` of Python 3.13, for 3.11 and 3.12.

        Without it, waking a worker blocked in ``get()`` takes one end marker
        per worker, and a marker cannot be put into a full queue.
        """

        def __init__(self, maxsize: int = 0) -> None:
            super().__init__(maxsize)
            self.is_shutdown = False

        def shutdown(self) -> None:
            """Refuse new items; wake every thread waiting in ``put`` or ``get``."""
            with self.mutex:
                self.is_shutdown = True
                self.not_empty.notify_all()
                self.not_full.notify_all()

        def put(
            self, item: J, block: bool = True, timeout: float | None = None
        ) -> None:
            with self.not_full:
                if not self.not_full.wait_for(
                    lambda: self.is_shutdown or not 0 < self.maxsize <= self._qsize(),
                    timeout if block else 0,
                ):
                    raise queue.Full
                if self.is_shutdown:
                    raise ShutDown
                self._put(item)
                self.unfinished_tasks += 1
                self.not_empty.notify()

        def get(self, block: bool = True, timeout: float | None = None) -> J:
            with self.not_empty:
                if not self.not_empty.wait_for(
                    lambda: self.is_shutdown or self._qsize() > 0,
                    timeout if block else 0,
                ):
                    raise queue.Empty
                if not self._qsize():
                    raise ShutDown
                item = self._get()
                self.not_full.notify()
                return item


def run_workers(
    jobs: Iterable[J],
    handle: Callable[[J, int], R],
    *,
    workers: int,
    capacity: int,
    stop: threading.Event | None = None,
    on_stop: Callable[[], object] | None = None,
) -> Generator[Outcome[J, R], None, None]:
    """Run ``handle(job, worker)`` on ``workers`` threads; yield each Outcome.

    Workers are numbered 1..workers; ``capacity`` is the size of the queue
    between the reader and the workers. A worker takes its next job once
    the caller has taken its outcome and asked for the next, so what the
    caller does with an outcome happens before the worker starts again.
    Once ``stop`` is set no job starts, and ``on_stop()`` is called, in the
    caller's thread. The caller's thread only reads ``stop``, never waits on
    it, so a signal handler may set it. Whatever a handler raises, even a
    ``BaseException`` such as ``SystemExit``, is its job's Outcome. If the
    source raises (anything), the jobs it gave are still run and handed
    back, then its exception is raised.
    Closing the generator early closes the queue the same way, waits for
    the jobs in flight and drops their outcomes. Neither a stop nor a close
    waits for a source that blocks: the reader, a daemon thread, stays in
    it, and drops the job it gives next. Nor does a close in one of the
    run's own threads, or at the interpreter's exit. The workers end by
    themselves once the run is abandoned (its generator closed or gone, or
    the thread taking the outcomes ended) even if its cleanup never ran, as
    when a Ctrl-C lands before it.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if capacity < 1:
        raise ValueError(f"capacity must be at least 1, got {capacity}")
    run = _Run(jobs, handle, workers, capacity, stop, on_stop)
    outcomes = run.outcomes()
    # Weak: the caller dropping the generator must still close it at once.
    run.caller = weakref.ref(outcomes)
    return outcomes


# What a thread posts to the caller's thread: an outcome, with what its
# worker waits on until the caller has taken it (None if no worker waits),
# or, as its last message, the thread itself: a wake-up to see it ended.
_Message: TypeAlias = "tuple[Outcome[J, R], threading.Lock | None] | threading.Thread"


class _Run(Generic[J, R]):
    """The threads of one ``run_workers`` call and what they share."""

    def __init__(
        self,
        jobs: Iterable[J],
        handle: Callable[[J, int], R],
        workers: int,
        capacity: int,
        stop: threading.Event | None,
        on_stop: Callable[[], object] | None,
    ) -> None:
        self._jobs = iter(jobs)
        self._handle = handle
        self._stop = stop
        self._on_stop = on_stop
        self._queue: Queue[J] = Queue(maxsize=capacity)
        # Unbounded, yet it never holds more than one outcome per worker,
        # plus the jobs a stop handed back. Not a queue.Queue: a Ctrl-C in
        # the caller's thread just after one of its Conditions took the
        # queue's lock, and before the `with` began (bpo-29988), leaves the
        # lock held for good, and every worker blocks forever in put(): the
        # process never exits. Nor the SimpleQueue: on Python 3.11 and 3.12,
        # once a signal handler that ran inside its get(timeout=...) outlasts
        # what was left of the timeout, the get waits for the next message
        # with no timeout at all. So a deque, whose append and popleft take
        # no lock, and a plain lock that a thread releases once it has
        # posted: the caller's thread waits on it, and may hold it at no cost.
        self._outbox: deque[_Message[J, R]] = deque()
        self._posted = threading.Lock()
        self._posted.acquire()
        # The generator handing back the outcomes, set by run_workers.
        self.caller: weakref.ref[Generator[Outcome[J, R], None, None]] | None = None
        # Set by _close(), in the thread that closes or finalizes the
        # generator; the others read it.
        self._closed = False
        # The thread that asked for the first outcome: once it has ended, as
        # the main thread has when the interpreter exits and waits for the
        # workers, nobody will take another, even if the generator lives on.
        self._caller_thread: threading.Thread | None = None
        # What the source raised, or a worker's start: raised after the
        # outcomes. Written by the reader only.
        self._reader_error: BaseException | None = None
        # Written by the reader only: whether it is inside next(source).
        self._in_source = False
        # A daemon: a close does not wait for a source that blocks, and the
        # reader must not keep the process alive blocked in one.
        self._threads = [
            threading.Thread(target=self._read, name="reader", daemon=True)
        ]
        self._threads += [
            threading.Thread(target=self._work, args=(number,), name=f"worker-{number}")
            for number in range(1, workers + 1)
        ]
        # The threads done posting outcomes: each adds itself (the reader adds
        # a worker it could not start), so that a Ctrl-C dropping the message
        # a thread posts next, its last, loses no count.
        self._ended: set[threading.Thread] = set()

    def outcomes(self) -> Generator[Outcome[J, R], None, None]:
        self._caller_thread = threading.current_thread()
        self._threads[0].start()  # the reader, which starts the workers
        try:
            for outcome, taken in self._messages():
                try:
                    yield outcome
                finally:
                    if taken is not None:
                        taken.release()
            if self._reader_error is not None:
                raise self._reader_error
        finally:
            self._close()
            # A generator whose last reference goes in a thread of the run (a
            # handler's, or a worker's look in _abandoned()) is closed in that
            # thread, which must not wait for itself to end. At the
            # interpreter's exit the workers have ended, and a daemon reader
            # can no longer run: nothing is waited for.
            in_own_thread = threading.current_thread() in self._threads
            if not in_own_thread and not sys.is_finalizing():
                for _, taken in self._messages():
                    if taken is not None:
                        taken.release()  # closed early: the outcome is dropped

    def _messages(
        self,
    ) -> Iterator[tuple[Outcome[J, R], threading.Lock | None]]:
        """What the threads post, until each has ended; watches ``stop``.

        Once closed, a reader blocked in the source is not waited for.
        """
        # In this order: a thread is in _ended once its outcomes are posted.
        while self._waiting_for_threads() or self._outbox:
            if self._stopping() and not self._closed:
                self._close()
                if self._on_stop is not None:
                    self._on_stop()
            if not self._outbox:
                self._posted.acquire(timeout=SIGNAL_CHECK_SECONDS)
            try:
                message = self._outbox.popleft()
            except IndexError:
                continue
            if isinstance(message, threading.Thread):
                continue  # its last message, only a wake-up: _ended counts it
            yield message
        # A copy: a reader left in the source may still add itself.
        for thread in list(self._ended):  # each is posting its last message
            if thread.ident is not None:  # else it never started
                thread.join()

    def _waiting_for_threads(self) -> bool:
        running = len(self._threads) - len(self._ended)
        return running > (1 if self._closed and self._in_source else 0)

    def _stopping(self) -> bool:
        return self._abandoned() or (self._stop is not None and self._stop.is_set())

    def _abandoned(self) -> bool:
        """Whether the caller will take no more outcomes: closed, its generator
        ended without closing (a KeyboardInterrupt can land before the
        cleanup's first line, or while the threads start) or gone, or the
        thread that took them ended."""
        if self._closed:
            return True
        if self._caller_thread is not None and not self._caller_thread.is_alive():
            return True
        caller = self.caller() if self.caller is not None else None
        return caller is None or inspect.getgeneratorstate(caller) == inspect.GEN_CLOSED

    def _post(self, message: _Message[J, R]) -> None:
        self._outbox.append(message)
        with contextlib.suppress(RuntimeError):  # released already, not yet seen
            self._posted.release()

    def _close(self) -> None:
        """No job starts from now on: hand back the queued ones, wake every thread."""
        if self._closed:
            return
        self._closed = True
        # First, so that a KeyboardInterrupt cutting this short leaves no
        # worker waiting in get() nor a reader in put(): it wakes them.
        self._queue.shutdown()
        # Not get_nowait(), whose Condition a second Ctrl-C may leave holding
        # the queue's lock (bpo-29988): a `with` on the lock itself, a C lock,
        # cannot be left holding it.
        with self._queue.mutex:
            jobs = [self._queue._get() for _ in range(self._queue._qsize())]
        for job in jobs:
            self._post((Outcome(job, error=NotStartedError()), None))

    def _read(self) -> None:
        try:
            # Started here, not in the caller's thread: a Ctrl-C landing in
            # Thread.start(), as it waits for the thread to begin, can leave
            # that thread blocked forever before it runs (bpo-29988 again),
            # and a worker is no daemon: the process would never exit.
            try:
                for worker in self._threads[1:]:
                    worker.start()
            except BaseException as error:  # no thread to spare: raised after
                self._reader_error = error
                never_started = [w for w in self._threads[1:] if w.ident is None]
                self._ended.update(never_started)
                return
            while not self._stopping():
                self._in_source = True
                try:
                    job = next(self._jobs)
                except StopIteration:
                    return
                except BaseException as error:  # SystemExit too: raised after
                    self._reader_error = error
                    return
                finally:
                    self._in_source = False
                try:
                    self._queue.put(job)  # blocks while the queue is full
                except ShutDown:
                    self._post((Outcome(job, error=NotStartedError()), None))
                    return
        finally:
            # Without a stop, the workers take what is queued, then end.
            self._queue.shutdown()
            self._ended.add(threading.current_thread())
            self._post(threading.current_thread())

    def _work(self, worker: int) -> None:
        # Held until the caller has taken this worker's outcome; a plain lock,
        # which any thread may release, is the cheapest way to wait for it.
        taken = threading.Lock()
        taken.acquire()
        try:
            while True:
                # With a timeout: a Ctrl-C may end the caller's generator
                # before it closes the queue; an abandoned run ends anyway.
                try:
                    job = self._queue.get(timeout=SIGNAL_CHECK_SECONDS)
                except queue.Empty:
                    if self._abandoned():
                        return
                    continue
                except ShutDown:
                    return
                self._post((self._call(job, worker), taken))
                # Not a plain acquire(): a second Ctrl-C may abort the
                # caller's cleanup, or land before it begins, and nobody
                # would take this outcome. An abandoned run ends without
                # the caller's help.
                while not taken.acquire(timeout=SIGNAL_CHECK_SECONDS):
                    if self._abandoned():
                        return
        finally:
            if self._abandoned():  # maybe with no _close() to come
                self._queue.shutdown()  # which wakes a reader blocked in put()
            self._ended.add(threading.current_thread())
            self._post(threading.current_thread())

    def _call(self, job: J, worker: int) -> Outcome[J, R]:
        # Checked before every job, so that a stop ends intake at once, even
        # before the caller's thread has closed the queue.
        if self._stopping():
            return Outcome(job, error=NotStartedError())
        try:
            return Outcome(job, value=self._handle(job, worker))
        except BaseException as error:
            # The job's failure, not the worker's: it goes on with the next.
            # BaseException too: a CancelledError or SystemExit escaping here
            # would end the thread, and the job would never come back.
            return Outcome(job, error=error)

"""Numbered worker processes that run one job at a time, and what they report.

A worker runs ``handle(job)`` on each job the parent sends it and reports
``Started``, then ``Finished`` with the job's ``Outcome``. The parent waits
for those reports without polling, and kills a worker whenever it must stop
a job: the worker's next job gets a fresh process.
"""

from __future__ import annotations

import os
import signal
import threading
import weakref
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import CancelledError
from contextlib import suppress
from multiprocessing.connection import Connection, wait
from queue import Empty, SimpleQueue
from types import TracebackType
from typing import Any, Generic, cast

from ..outcome import J, Outcome, R
from .children import Child, reap_all, start_child
from .errors import WorkerDiedError
from .messages import Finished, Started, pickled, read_report, run_job

OnStart = Callable[[J, int, float], None]
"""Called as ``on_start(job, worker, started_at)`` in the parent, once a worker
reports it started ``job`` at ``started_at`` (``time.monotonic``): that report
may be read late, the job running meanwhile."""


class Stop(threading.Event):
    """A ``threading.Event`` whose ``set`` also wakes a parent waiting on its children.

    The parent spends its time blocked in ``multiprocessing.connection.wait``
    on its children's pipes. Python runs a signal handler between two
    bytecodes and then resumes that wait, so an event alone would go
    unnoticed until a child spoke: ``set`` also writes to a pipe that every
    wait of a pool includes (and ``wait_or_stop`` makes sure the handler
    runs at all: see ``_signal_wakeup``). Set it from a signal handler; then, while a
    handler may run, never ``wait``, ``set`` or ``clear`` it in the main
    thread: each takes the event's lock, and a handler that interrupted the
    main thread holding it would wait for it forever. ``is_set`` is safe.
    """

    def __init__(self) -> None:
        super().__init__()
        self._reader, self._writer = os.pipe()
        os.set_blocking(self._writer, False)  # a full pipe must not block a handler
        weakref.finalize(self, _close_pipe, self._reader, self._writer)

    def set(self) -> None:
        super().set()
        # Never read, so it stays readable, like the flag; a full pipe is too.
        with suppress(BlockingIOError):
            os.write(self._writer, b"\0")

    def fileno(self) -> int:
        """The pipe end that is readable once the stop is set."""
        return self._reader


STOP_CHECK_S = 0.1
"""How often a wait checks a stop that cannot wake it (a plain ``threading.Event``)."""


def wait_or_stop(
    connections: list[Connection],
    stop: threading.Event | None,
    timeout: float | None = None,
    intake: Intake[Any] | None = None,
) -> list[Connection]:
    """Wait for ``connections`` to be readable, for ``stop``, or ``timeout`` seconds.

    An ``intake`` reading a job also ends the wait once the job is read.

    Returns the readable connections: none when the stop or the timeout
    ended the wait. Once set, the stop is left out of later waits (its pipe
    stays readable: they would all return at once), so that a drain can
    still wait for its children.
    """
    waking: list[int] = []
    signals: int | None = None
    if stop is not None and not stop.is_set():
        if isinstance(stop, Stop) and (signals := _signal_wakeup()) is not None:
            waking = [stop.fileno(), signals]
        else:
            timeout = STOP_CHECK_S if timeout is None else min(timeout, STOP_CHECK_S)
    if intake is not None and intake.reading:
        waking.append(intake.fileno())
    ready = wait([*connections, *waking], timeout)
    if signals is not None and signals in ready:
        with suppress(BlockingIOError):  # read up, so that it waits again
            os.read(signals, 4096)
    return [connection for connection in connections if connection in ready]


_signal_wakeup_pipe: tuple[int, int] | None = None


def _signal_wakeup() -> int | None:
    """A pipe end that turns readable when this process receives a signal.

    The kernel gives a signal sent to the process to any of its threads
    that does not block it: the intake's reader, a queue's feeder. Taken
    there, it interrupts no wait of the main thread, the only one in which
    Python runs the handler: the stop it sets would wait for a child to
    speak, a whole job long. ``signal.set_wakeup_fd`` writes to this pipe
    from whichever thread takes the signal; the wait ends, and the handler
    runs before the stop is checked. None outside the main thread (no
    handler runs there) or while the wakeup fd belongs to another owner,
    such as an asyncio loop: then the stop is checked every STOP_CHECK_S.
    """
    global _signal_wakeup_pipe
    if threading.current_thread() is not threading.main_thread():
        return None
    if _signal_wakeup_pipe is None:
        reader, writer = os.pipe()
        os.set_blocking(reader, False)
        os.set_blocking(writer, False)  # a full pipe must not block a signal
        _signal_wakeup_pipe = reader, writer
    reader, writer = _signal_wakeup_pipe
    # Claimed again at each wait: another owner may have taken it since.
    owner = signal.set_wakeup_fd(writer, warn_on_full_buffer=False)
    if owner not in (-1, writer):  # not ours to replace: give it back
        signal.set_wakeup_fd(owner, warn_on_full_buffer=False)
        return None
    return reader


def _close_pipe(*fds: int) -> None:
    for fd in fds:
        os.close(fd)


def require_at_least_one(**counts: int) -> None:
    """Raise ValueError naming the first of ``counts`` that is below 1."""
    for name, value in counts.items():
        if value < 1:
            raise ValueError(f"{name} must be at least 1, not {value}")


class Intake(Generic[J]):
    """The job source, read in a thread of its own, one job at a time, on demand.

    ``take`` asks for a job only when a worker is free for it: reading no
    further ahead than that is what keeps memory bounded by the jobs in
    flight, even with an endless source. The reading happens in a daemon
    thread, so a source that blocks (a quiet socket) holds back neither the
    outcomes of the jobs that end meanwhile nor a stop: the pool waits on
    ``fileno()``, readable once the job asked for has been read, along with
    its children. A thread still blocked in the source when the run ends is
    left behind; it keeps no run and no interpreter from ending, and the
    job it reads afterwards is dropped, neither run nor handed back.

    Intake closes when the source is exhausted or raises; its error is kept
    for ``raise_error``, so that the jobs in flight are handed back first,
    except one that is no ``Exception`` (``SystemExit``): ``take`` raises
    that at once, as the source would have in this thread.
    """

    def __init__(self, jobs: Iterable[J]) -> None:
        self._jobs = iter(jobs)
        self.open = True
        self.reading = False  # a job was asked for and has not been taken
        self._error: Exception | None = None
        self._read: SimpleQueue[tuple[J] | BaseException | None] = SimpleQueue()
        self._asked = threading.Semaphore(0)
        self._wake_reader, self._wake_writer = os.pipe()
        self._thread: threading.Thread | None = None  # started by the first ask

    def fileno(self) -> int:
        """The pipe end that turns readable once the job asked for is read."""
        return self._wake_reader

    def take(self) -> list[J]:
        """The job read, if there is one; else ask for one and return none."""
        if not self.open:
            return []
        if not self.reading:
            self._ask()
            return []
        try:
            item = self._read.get_nowait()
        except Empty:
            return []
        os.read(self._wake_reader, 1)  # written right after the item was put
        self.reading = False
        if isinstance(item, tuple):
            return [item[0]]
        self.close()
        if isinstance(item, Exception):  # the source's own: raised after the rest
            self._error = item
        elif item is not None:  # SystemExit and the like: unwind now, as it meant
            raise item
        return []

    def close(self) -> None:
        """Read nothing more; a job being read is dropped once it is."""
        if self.open:
            self.open = self.reading = False
            if self._thread is None:
                os.close(self._wake_writer)
            else:
                self._asked.release()  # a reader waiting to be asked ends
            os.close(self._wake_reader)

    def raise_error(self) -> None:
        """Raise the source's error, if it raised one."""
        if self._error is not None:
            raise self._error

    def _ask(self) -> None:
        self.reading = True
        if self._thread is None:
            self._thread = threading.Thread(target=self._read_jobs, daemon=True)
            self._thread.start()
        self._asked.release()

    def _read_jobs(self) -> None:
        """In the reader thread: read one job each time one is asked for."""
        item: tuple[J] | BaseException | None = None
        try:
            while self._asked.acquire() and self.open:
                try:
                    item = (next(self._jobs),)
                except StopIteration:
                    item = None
                except BaseException as error:  # raised in the caller's thread
                    item = error
                self._read.put(item)
                with suppress(OSError):  # the run has ended and closed its end
                    os.write(self._wake_writer, b"\0")
                if not isinstance(item, tuple):
                    return
        finally:
            os.close(self._wake_writer)


class ProcessPool(Generic[J, R]):
    """Worker processes numbered 1..``workers``, each behind its own pipe.

    ``feed`` hands jobs to idle workers, ``receive`` hands back the outcomes
    of ended jobs, ``kill`` stops one job for good. A worker's process
    starts with its first job, so no more processes start than there are
    jobs. Leaving the ``with`` block ends every worker: politely when idle,
    by killing it when a job still runs; either way each process is waited
    for.

    A pipe per worker, rather than one queue for all, is what makes killing
    safe: a process killed while writing to a shared queue can leave its
    lock held and every other writer blocked. ``handle`` is pickled to each
    worker: a top-level function or an instance of a top-level class.
    """

    def __init__(
        self,
        handle: Callable[[J], R],
        workers: int,
        *,
        stop: threading.Event | None = None,
        on_start: OnStart[J] | None = None,
    ) -> None:
        """``on_start(job, worker, started_at)`` runs in this process once a
        worker reports it started a job at ``started_at`` (``time.monotonic``).

        Once ``stop`` is set no job is taken. A ``Stop`` wakes the pool's
        waits at once, even from a signal handler; another
        ``threading.Event`` is checked every ``STOP_CHECK_S``. Raises
        ValueError when ``workers`` is below 1.
        """
        require_at_least_one(workers=workers)
        self._handle = handle
        self._stop = stop
        self._on_start = on_start
        # None: no process yet, or it was killed or died; its next job starts one.
        self._children: dict[int, Child | None] = dict.fromkeys(range(1, workers + 1))
        self._jobs: dict[int, J] = {}  # worker -> the job it is running
        self._since: dict[int, float] = {}  # worker -> when its job started

    def __enter__(self) -> ProcessPool[J, R]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def stopped(self) -> bool:
        """Whether the stop is set."""
        return self._stop is not None and self._stop.is_set()

    @property
    def running(self) -> int:
        """How many jobs are running (handed out and not yet ended)."""
        return len(self._jobs)

    def has_report(self, worker: int) -> bool:
        """Whether ``worker`` has a report waiting to be read, or has died."""
        return self._child(worker).connection.poll(0)

    def running_since(self) -> dict[int, float]:
        """Each busy worker that has started its job: when (``time.monotonic``)."""
        return dict(self._since)

    def outcomes(self, jobs: Iterable[J]) -> Generator[Outcome[J, R], None, None]:
        """Run every job of ``jobs``; hand back each outcome as its job ends.

        Runs the pool once and closes it. On a stop, the jobs still running
        are killed and handed back with a CancelledError, and the rest of
        ``jobs`` is left unread. After the last outcome, an error raised by
        ``jobs`` itself is raised.
        """
        intake = Intake(jobs)
        with self:
            try:
                yield from self.feed(intake)
                while (self.running or intake.reading) and not self.stopped:
                    yield from self.receive(intake=intake)
                    yield from self.feed(intake)
                yield from self.cancel_all()
                yield from self.feed(intake)
            finally:
                intake.close()
        intake.raise_error()

    def feed(
        self, intake: Intake[J], *, serve_read: bool = False
    ) -> list[Outcome[J, R]]:
        """Hand a job of ``intake`` to each idle worker, as far as jobs are read.

        Once stopped, no job is asked for, and the one being read when the
        stop came, if read by now, is returned with a CancelledError: the
        stop is checked again after a job is taken, since the source may
        have been blocked in reading it while the stop came. With
        ``serve_read`` that job is started instead (a graceful stop serves
        what was asked for before it). A job that cannot be pickled is
        returned too, as its failed outcome.
        """
        outcomes: list[Outcome[J, R]] = []  # of jobs that could not be sent
        taken: list[J] = []
        idle = [worker for worker in self._children if worker not in self._jobs]
        while idle and (not self.stopped or (serve_read and intake.reading)):
            taken = intake.take()
            if not taken or (self.stopped and not serve_read):
                break  # the rest once the reader has read a job
            unsent = self.run(idle[0], taken.pop())
            if unsent is None:
                idle.pop(0)
            else:
                outcomes.append(unsent)
        if self.stopped and intake.reading:
            taken += intake.take()
        return outcomes + [Outcome(job, error=CancelledError()) for job in taken]

    def run(self, worker: int, job: J) -> Outcome[J, R] | None:
        """Hand ``job`` to the idle ``worker``, starting its process if it has none.

        A job that cannot be pickled is not sent: its failed outcome is
        returned, and the worker stays idle.
        """
        if worker in self._jobs:
            raise RuntimeError(f"worker {worker} is busy")
        try:
            message = pickled((job,))
        except Exception as error:  # the job's own failure, not the run's
            return Outcome(job, error=error)
        child = self._children[worker]
        if child is not None:
            try:
                child.connection.send_bytes(message)
            except OSError:  # BrokenPipeError: its process died while idle
                self._remove(worker)
                child = None
        if child is None:
            # The job never reached a dead process, so a fresh one can run it.
            child = start_child(_serve, worker, self._handle)
            self._children[worker] = child
            child.connection.send_bytes(message)
        self._jobs[worker] = job
        return None

    def receive(
        self, timeout: float | None = None, *, intake: Intake[J] | None = None
    ) -> list[Outcome[J, R]]:
        """Wait for the busy workers' reports, a stop, or ``timeout`` seconds.

        Also ends the wait once ``intake`` has read the job it was asked for.

        Returns the outcomes of the jobs that ended. A worker whose process
        died mid-job has its job fail with WorkerDiedError, and gets a fresh
        process for its next job: one crash neither hangs the run nor goes
        unnoticed. An outcome the parent cannot unpickle fails its job alone,
        with UnreadableOutcomeError.
        """
        busy = {self._child(worker).connection: worker for worker in self._jobs}
        outcomes: list[Outcome[J, R]] = []
        for connection in wait_or_stop(list(busy), self._stop, timeout, intake):
            worker = busy[connection]
            try:
                report = read_report(connection)
            except EOFError:
                code = self._remove(worker)
                report = WorkerDiedError(f"worker process exited with code {code}")
            if isinstance(report, Started):
                self._since[worker] = report.at
                if self._on_start is not None:
                    self._on_start(self._jobs[worker], worker, report.at)
                continue
            self._since.pop(worker, None)
            job = self._jobs.pop(worker)
            if isinstance(report, Finished):
                outcomes.append(report.outcome)
            else:
                outcomes.append(Outcome(job, error=cast(Exception, report)))
        return outcomes

    def kill(self, worker: int) -> J:
        """Kill ``worker`` in the middle of its job; return that job.

        When this returns the process is gone, so the job can have no
        further effect.
        """
        self._child(worker).kill()
        self._remove(worker)
        self._since.pop(worker, None)
        return self._jobs.pop(worker)

    def cancel_all(self) -> list[Outcome[J, R]]:
        """Kill every busy worker; its job comes back with a CancelledError.

        A job whose outcome is already waiting in its pipe keeps that outcome.
        """
        ended = self.receive(timeout=0) if self._jobs else []
        cancelled = self._kill_busy()
        return ended + [Outcome(job, error=CancelledError()) for job in cancelled]

    def close(self) -> None:
        """End every worker: killed if a job still runs, else told to exit.

        A worker told to exit that has not within ``EXIT_GRACE_S`` is killed.
        """
        self._kill_busy()
        live = [child for child in self._children.values() if child is not None]
        for child in live:
            with suppress(BrokenPipeError):  # it may have died on its own
                child.connection.send(None)
        reap_all(live)
        self._children = dict.fromkeys(self._children)

    def _kill_busy(self) -> list[J]:
        """Kill every busy worker and wait for it; return their jobs."""
        busy = [self._child(worker) for worker in self._jobs]
        for child in busy:
            child.kill()
        reap_all(busy)
        for worker in self._jobs:
            self._children[worker] = None
        jobs, self._jobs, self._since = list(self._jobs.values()), {}, {}
        return jobs

    def _child(self, worker: int) -> Child:
        child = self._children[worker]
        if child is None:
            raise RuntimeError(f"worker {worker} has no process")
        return child

    def _remove(self, worker: int) -> int | None:
        """Wait for ``worker``'s ended process; return its exit code."""
        code = self._child(worker).reap()
        self._children[worker] = None
        return code


def _serve(connection: Connection, worker: int, handle: Callable[[J], R]) -> None:
    """A worker process: run each job the parent sends, until it sends None.

    Jobs come wrapped in a tuple, so that a job may itself be None. The
    parent knows a worker's job by the worker's number: ``Started`` says it.
    """
    while (message := connection.recv()) is not None:
        run_job(connection, handle, message[0], worker, worker)

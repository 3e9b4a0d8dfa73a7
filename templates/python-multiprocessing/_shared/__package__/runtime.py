"""Child processes that the parent alone stops: the model every pattern builds on.

- ``CONTEXT``: the forkserver start method, chosen explicitly;
- ``start_child``: starts a process connected to the parent by its own pipe,
  with SIGINT and SIGTERM ignored in it from its first instruction, and
  ending by itself if the parent dies;
- ``Workers``: numbered worker processes that run a job function on the
  jobs the parent sends them and report ``Started``, then ``Done`` or
  ``Failed``; the parent waits for those messages without polling and can
  kill a worker whenever it must stop a job (its next job gets a fresh
  process);
- ``Failed``: a job's error, which always reaches the parent, with the
  child's traceback (``RemoteError`` when it cannot cross as itself);
- ``StopRequest``: what the first stop signal sets, waking that wait;
- ``SimulatedJob``: the program's job function, io or cpu work;
- ``run_program``: runs a pattern as the program, signals included.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sized
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from multiprocessing import forkserver, resource_tracker
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import Any, NoReturn, Protocol, TypeAlias

from .harness import (
    EXIT_BROKEN_PIPE,
    STOP_SIGNALS,
    Config,
    CpuWork,
    Recorder,
    StopSignals,
    job_result,
)

TARGET = "python-multiprocessing"

# forkserver starts each child by forking a small server process that has
# this module already imported: a few milliseconds per child once the server
# is up, where spawn starts a fresh interpreter each time (tens of ms more).
# Both are safe with threads in the parent; fork, the default on Linux before
# Python 3.14, is not. forkserver is the default on POSIX systems other than
# macOS since 3.14; chosen here explicitly, so that 3.11 to 3.13 behave the
# same. POSIX only.
CONTEXT = multiprocessing.get_context("forkserver")
CONTEXT.set_forkserver_preload([__name__])

JobFunction: TypeAlias = Callable[[int], int]
"""Runs one job in a child process and returns its result.

It is sent to the child by pickling, so it must be a top-level function or
an instance of a top-level class: a lambda or a nested function fails to
pickle in the parent, as soon as a child is started with it."""

EXIT_GRACE_S = 3.0
"""How long a child told to exit may take before it is killed.

A worker exits as soon as it reads its end marker, unless its job left a
thread running (Python waits for those before a process ends)."""


# Messages from a child to the parent. The child sends them; the parent,
# which owns the output, writes the events.


@dataclass(frozen=True, slots=True)
class Started:
    """``worker`` has begun running ``job``."""

    job: int
    worker: int


@dataclass(frozen=True, slots=True)
class Done:
    """``job`` finished on ``worker`` with ``result``."""

    job: int
    worker: int
    result: int


@dataclass(frozen=True, slots=True)
class Failed:
    """``job`` raised ``error`` on ``worker`` (or its process died).

    ``traceback`` is the error's traceback as the child formatted it, empty
    when the parent noticed the failure itself. It is also the error's
    ``__cause__`` (a ``ChildTraceback``), set again when the message is
    unpickled in the parent: a traceback printed or logged there shows where
    the child raised.
    """

    job: int
    worker: int
    error: BaseException
    traceback: str = ""

    def __post_init__(self) -> None:
        if self.traceback:
            self.error.__cause__ = ChildTraceback(self.traceback)

    def __reduce__(self) -> tuple[type[Failed], tuple[int, int, BaseException, str]]:
        # Unpickled through __init__, so that __post_init__ runs in the parent:
        # pickling an exception keeps its args, not its __cause__.
        return Failed, (self.job, self.worker, self.error, self.traceback)


Message: TypeAlias = Started | Done | Failed


class WorkerDiedError(Exception):
    """A worker process ended in the middle of a job (a crash, the OOM killer)."""


class RemoteError(Exception):
    """A job's error that could not cross to the parent as itself.

    An exception crosses pickled. One that cannot be pickled (it holds a
    lock, a file, a lambda), that cannot be rebuilt from its pickle (its
    ``__init__`` takes other arguments than its ``args``), or whose ``str``
    or ``repr`` raises (its message then says so), is replaced by this:
    its type's name, its message and, as its ``__cause__``, its traceback.
    Its ``str`` is the message, or the type's name when there is none.
    """

    def __init__(self, type_name: str, message: str) -> None:
        super().__init__(type_name, message)
        self.type_name = type_name
        self.message = message

    def __str__(self) -> str:
        return self.message or self.type_name


class UnreadableOutcomeError(Exception):
    """The parent could not unpickle what a child sent about a job.

    Its ``__cause__`` is the unpickling error. The child checks that an
    error survives the round trip before sending it, so this takes an object
    that the child can rebuild and the parent cannot (a module the parent
    lacks, say); it fails that job alone.
    """


class ChildTraceback(Exception):  # noqa: N818 (no error itself: where one was raised)
    """The traceback of an error raised in a child, as text: the error's cause."""

    def __str__(self) -> str:
        return f"raised in a child process\n\n{self.args[0].rstrip()}"


def decode(data: bytes) -> Any:
    """Unpickle a message a child sent; raise UnreadableOutcomeError if it fails.

    The caller knows which messages its children send, and types the result.
    """
    try:
        return pickle.loads(data)
    except Exception as error:
        reason = f"the parent cannot unpickle it: {error}"
        raise UnreadableOutcomeError(reason) from error


class JobEvents(Protocol):
    """Where a pattern reports what happens to each job (the program's Recorder)."""

    def start(self, job: int, worker: int | None = None) -> None: ...
    def done(self, job: int, result: int) -> None: ...
    def fail(self, job: int, error: BaseException) -> None: ...


def record(message: Message, events: JobEvents, *, show_worker: bool = True) -> None:
    """Report one child's message; ``show_worker`` False where no worker is named."""
    match message:
        case Started(job, worker):
            events.start(job, worker if show_worker else None)
        case Done(job, _, result):
            events.done(job, result)
        case Failed(job, _, error):
            events.fail(job, error)


class StopRequest:
    """A stop asked for by a signal handler, waking whoever waits for children.

    The parent spends its time blocked in ``multiprocessing.connection.wait``
    on its children's pipes. Python runs a signal handler between two
    bytecodes and then resumes that wait, so setting a flag alone would go
    unnoticed until a child spoke: the handler also writes to a pipe that is
    part of every wait.
    """

    def __init__(self) -> None:
        self._reader, self._writer = CONTEXT.Pipe(duplex=False)
        self.signum: int | None = None

    def __call__(self, signum: int) -> None:
        """Ask to stop (``StopSignals``' ``on_first``; safe in a signal handler)."""
        self.signum = signum
        self._writer.send_bytes(b"")

    def __enter__(self) -> StopRequest:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._reader.close()
        self._writer.close()

    @property
    def requested(self) -> bool:
        """Whether a stop was asked for."""
        return self.signum is not None


def wait_for(
    connections: list[Connection], stop: StopRequest, timeout: float | None = None
) -> list[Connection]:
    """Block until some of ``connections`` can be read, a stop, or ``timeout``.

    Blocked means no CPU: the operating system wakes the parent. Returns the
    readable connections (none after a stop or the timeout).
    """
    ready = wait([*connections, stop._reader], timeout)
    if stop._reader in ready:
        stop._reader.recv_bytes()  # consumed, so that later waits block again
    return [connection for connection in connections if connection in ready]


@contextmanager
def _stop_signals_blocked() -> Iterator[None]:
    """Hold back SIGINT and SIGTERM in this thread; they arrive on exit, not lost."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@dataclass(slots=True)
class Child:
    """A child process, the parent's end of its pipe, and its lifeline.

    The parent never writes on ``lifeline``: it only holds it open. When the
    parent ends, however it ends (``kill -9`` included), the kernel closes
    it, and the child, which watches the other end, ends too.
    """

    process: BaseProcess
    connection: Connection
    lifeline: Connection

    def kill(self) -> None:
        """Stop the process at once (SIGKILL: it ignores the stop signals)."""
        self.process.kill()

    def reap(self, grace_s: float | None = None) -> int | None:
        """Wait for the process to end and release it; return its exit code.

        A process still running after ``grace_s`` (default ``EXIT_GRACE_S``)
        is killed: a child told to exit that does not cannot hold up the
        parent. Waiting is what leaves no zombie behind; closing, no open pipe.
        """
        self.process.join(EXIT_GRACE_S if grace_s is None else grace_s)
        if self.process.exitcode is None:
            self.process.kill()
            self.process.join()
        code = self.process.exitcode
        self.process.close()
        self.connection.close()
        self.lifeline.close()  # only now: the child has ended
        return code


def reap_all(children: Iterable[Child]) -> None:
    """Reap ``children``, which share one ``EXIT_GRACE_S`` to end by themselves."""
    deadline = time.monotonic() + EXIT_GRACE_S
    for child in children:
        child.reap(grace_s=max(0.0, deadline - time.monotonic()))


def start_child(target: Callable[..., None], *args: Any) -> Child:
    """Start ``target(connection, *args)`` in a new process.

    ``connection`` is the child's end of a pipe to the parent. Ctrl-C in a
    terminal signals the whole process group, children included: a child
    ignores SIGINT and SIGTERM and leaves the decision to the parent, which
    kills it when it must stop. A child starts with both signals blocked,
    because the forkserver that forks it runs with them blocked (see
    ``start_helper_processes``), and ignores them before it unblocks them:
    none can interrupt it half-started.
    """
    parent_end, child_end = CONTEXT.Pipe()
    lifeline_end, lifeline = CONTEXT.Pipe(duplex=False)
    process = CONTEXT.Process(
        target=_child_main, args=(target, child_end, lifeline_end, *args)
    )
    start_helper_processes()
    # Blocked here so that no signal handler runs while multiprocessing
    # holds its locks (see kill_children).
    with _stop_signals_blocked():
        process.start()
    # The child has its own copies; closing ours lets the parent see EOF when
    # it ends, and leaves the parent alone holding the lifeline open.
    child_end.close()
    lifeline_end.close()
    return Child(process, parent_end, lifeline)


def _child_main(
    target: Callable[..., None],
    connection: Connection,
    lifeline: Connection,
    *args: Any,
) -> None:
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    watch = threading.Thread(target=_end_with_parent, args=(lifeline,), daemon=True)
    watch.start()
    with connection, suppress(EOFError, BrokenPipeError):  # the parent has gone
        target(connection, *args)


def _end_with_parent(lifeline: Connection) -> None:
    """In a child: end this process as soon as the parent has ended.

    Nothing is ever sent on the lifeline, so the wait returns only at its end
    of file, when the parent's end is closed: by the parent once this child
    has ended, or by the kernel when the parent dies, even by SIGKILL, which
    runs no handler and no ``finally``. The job, in the main thread, would
    otherwise go on computing with nobody to report to. (A job that holds
    the GIL in C code for long delays this until it lets go.)
    """
    wait([lifeline])
    os.kill(os.getpid(), signal.SIGKILL)  # as the parent would have


def kill_children() -> None:
    """Kill every live child and wait for it: a second stop signal's last act.

    Safe in a signal handler: the main thread makes every call that holds
    one of multiprocessing's locks (starting a child or a helper process)
    with the stop signals blocked, so this never finds one half done.
    """
    children = multiprocessing.active_children()
    for child in children:
        child.kill()
    for child in children:
        child.join()


def start_helper_processes() -> None:
    """Start multiprocessing's helper processes, unless they already run.

    The forkserver forks every child, and each child inherits the server's
    signal mask: so the server starts with SIGINT and SIGTERM blocked, and
    each child begins with them blocked. The resource tracker goes first,
    because starting it unblocks them in this process. Call it once before
    installing signal handlers, so that no handler can interrupt
    multiprocessing while it holds its locks; it blocks the signals
    whenever it runs again.

    Both helpers end by themselves once this process and its children
    have: each watches a pipe that they hold open. (No public API stops
    them sooner.)
    """
    with _stop_signals_blocked():
        resource_tracker.ensure_running()
    with _stop_signals_blocked():
        forkserver.ensure_running()


def require_at_least_one(**counts: int) -> None:
    """Raise ValueError naming the first of ``counts`` that is below 1."""
    for name, value in counts.items():
        if value < 1:
            raise ValueError(f"{name} must be at least 1, not {value}")


class Sender(Protocol):
    """Where a child sends its messages to the parent (a ``Connection``)."""

    def send(self, obj: Any) -> None: ...


def run_job(reports: Sender, run: JobFunction, job: int, worker: int) -> None:
    """In a child: run ``job`` and report ``Started``, then ``Done`` or ``Failed``.

    Whatever the job returns or raises reaches the parent (``decode`` reads
    it there): an error that would not survive the trip becomes a
    RemoteError, and a result that cannot be pickled, the job's failure.
    """
    reports.send(Started(job, worker))
    outcome: Message
    try:
        outcome = Done(job, worker, run(job))
    except Exception as error:  # the job's error goes to the parent, whatever it is
        outcome = _failure(job, worker, error)
    try:
        pickle.dumps(outcome)
    except Exception as error:  # a result that cannot be pickled
        outcome = _failure(job, worker, error)
    reports.send(outcome)


def _failure(job: int, worker: int, error: Exception) -> Failed:
    """``error`` as it can cross to the parent, with its traceback as text."""
    kind = type(error)
    type_name = f"{kind.__module__}.{kind.__qualname__}"
    shown = "".join(traceback.format_exception(error))  # copes with a str() that fails
    try:
        # The parent writes str() and may show repr(): one that raises there
        # would end the whole run, not fail this job.
        message = str(error)
        repr(error)
    except Exception as broken:
        message = f"<str() failed: {type(broken).__name__}>"
        error = RemoteError(type_name, message)
    else:
        try:
            pickle.loads(pickle.dumps(error))
        except Exception:
            error = RemoteError(type_name, message)
    return Failed(job, worker, error, shown)


def _serve(connection: Connection, worker: int, run: JobFunction) -> None:
    """A worker process: run each job the parent sends, until it sends None."""
    while (job := connection.recv()) is not None:
        run_job(connection, run, job, worker)


def processes_for(jobs: Iterable[int], workers: int) -> int:
    """How many worker processes ``jobs`` need: ``workers``, or fewer for fewer jobs.

    A process costs milliseconds to start, more under load, so a worker
    that would never get a job is not started. When ``jobs`` has no length
    (a source taken from as it goes, maybe endless) all ``workers`` start.
    """
    return min(workers, len(jobs)) if isinstance(jobs, Sized) else workers


class Workers:
    """Worker processes numbered 1..count, each behind its own pipe.

    ``run`` hands a job to an idle worker, ``receive`` collects what the
    workers report, ``kill`` stops one worker's job for good. Leaving the
    ``with`` block ends every worker: politely when they are idle, by killing
    them when a job is still running; either way each process is waited for.

    A pipe per worker, rather than one queue for all, is what makes killing
    safe: a process killed while writing to a shared queue can leave its lock
    held and every other writer blocked.
    """

    def __init__(self, run: JobFunction, count: int) -> None:
        """Start ``count`` worker processes running ``run`` on their jobs."""
        self._run = run
        # None: the worker's process was killed or died. Its next job starts a
        # fresh one; a run that ends with a kill starts none for nothing.
        self._children: dict[int, Child | None] = {}
        self._jobs: dict[int, int] = {}  # worker -> the job it is running
        for worker in range(1, count + 1):
            self._children[worker] = start_child(_serve, worker, run)

    def __enter__(self) -> Workers:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def idle(self) -> list[int]:
        """The workers without a job, in number order."""
        return [worker for worker in self._children if worker not in self._jobs]

    @property
    def running(self) -> int:
        """How many jobs are running (handed out and not yet ended)."""
        return len(self._jobs)

    def run(self, worker: int, job: int) -> None:
        """Hand ``job`` to the idle ``worker``.

        A worker whose process has died since its last job (killed, or ended
        by a thread its job left behind) gets a fresh process for this one.
        """
        if worker in self._jobs:
            raise RuntimeError(f"worker {worker} is busy with job {self._jobs[worker]}")
        child = self._children[worker]
        if child is not None:
            try:
                child.connection.send(job)
            except OSError:  # BrokenPipeError: its process died while idle
                self._remove(worker)
                child = None
        if child is None:
            # The job never reached the dead process, so a fresh one can run it.
            child = self._children[worker] = start_child(_serve, worker, self._run)
            child.connection.send(job)
        self._jobs[worker] = job

    def receive(self, stop: StopRequest, timeout: float | None = None) -> list[Message]:
        """Wait for the busy workers' messages, a stop, or ``timeout`` seconds.

        A worker whose process died mid-job has its job reported as
        ``Failed`` with WorkerDiedError, and gets a fresh process for its
        next job: one crash neither hangs the run nor goes unnoticed. An
        outcome the parent cannot unpickle fails its job alone, with
        UnreadableOutcomeError.
        """
        busy = {self._child(worker).connection: worker for worker in self._jobs}
        messages: list[Message] = []
        for connection in wait_for(list(busy), stop, timeout):
            worker = busy[connection]
            message: Message
            try:
                message = decode(connection.recv_bytes())
            except EOFError:
                code = self._remove(worker)
                error = WorkerDiedError(f"worker process exited with code {code}")
                message = Failed(self._jobs[worker], worker, error)
            except UnreadableOutcomeError as error:
                message = Failed(self._jobs[worker], worker, error)
            if not isinstance(message, Started):
                del self._jobs[worker]
            messages.append(message)
        return messages

    def kill(self, worker: int) -> int:
        """Kill ``worker`` in the middle of its job; return that job.

        When this returns the process is gone, so the job can have no
        further effect.
        """
        self._child(worker).kill()
        self._remove(worker)
        return self._jobs.pop(worker)

    def kill_all(self) -> list[int]:
        """Kill every worker; return the jobs they were running, in id order."""
        for child in self._live():
            child.kill()
        self._reap_all()
        jobs, self._jobs = sorted(self._jobs.values()), {}
        return jobs

    def close(self) -> None:
        """End every worker: killed if a job still runs, else told to exit.

        A worker told to exit that has not within ``EXIT_GRACE_S`` is killed.
        """
        if self._jobs:
            self.kill_all()
            return
        for child in self._live():
            with suppress(BrokenPipeError):  # it may have died on its own
                child.connection.send(None)
        self._reap_all()

    def _child(self, worker: int) -> Child:
        child = self._children[worker]
        if child is None:
            raise RuntimeError(f"worker {worker} has no process")
        return child

    def _live(self) -> list[Child]:
        return [child for child in self._children.values() if child is not None]

    def _remove(self, worker: int) -> int | None:
        """Wait for ``worker``'s ended process; return its exit code."""
        code = self._child(worker).reap()
        self._children[worker] = None
        return code

    def _reap_all(self) -> None:
        reap_all(self._live())
        self._children = dict.fromkeys(self._children)


@dataclass(frozen=True, slots=True)
class SimulatedJob:
    """The program's job: ``work_ms`` of waiting or computing, then its result.

    A frozen dataclass of a top-level class, so it pickles to a child. The
    waiting is a plain ``time.sleep``: a job in another process is stopped by
    killing that process, so it needs no cooperation from the job.
    """

    work_ms: int
    fail_every: int
    cpu: CpuWork | None = None  # None: io work

    @classmethod
    def from_config(cls, config: Config) -> SimulatedJob:
        """The job of ``config``, calibrating CPU work (~100 ms) when it is cpu."""
        cpu = CpuWork.calibrate() if config.work == "cpu" else None
        return cls(work_ms=config.work_ms, fail_every=config.fail_every, cpu=cpu)

    def __call__(self, job: int) -> int:
        """Do the work of ``job``; return ``job * 2`` or raise its failure."""
        if self.cpu is None:
            time.sleep(self.work_ms / 1000)
        else:
            self.cpu.run(self.work_ms)
        return job_result(job, self.fail_every)


@dataclass(frozen=True, slots=True)
class Program:
    """One run of the program, as its pattern sees it."""

    config: Config
    job: SimulatedJob
    recorder: Recorder
    stop: StopRequest


Pattern: TypeAlias = Callable[[Program], bool]
"""Runs the pattern's jobs, reporting to the recorder; False when stopped.

Once ``stop.requested`` it kills whatever still runs, waits for those
processes to end, and only then returns."""


def run_program(
    config: Config, pattern: Pattern, *, graceful: bool = False
) -> NoReturn:
    """Run ``pattern`` as the program and exit with the contract's code.

    The first SIGINT or SIGTERM sets the stop request. It cancels the run
    (exit 130) unless ``graceful``, where it is announced (``stopping``) and
    the pattern drains instead. A second signal kills every child and exits
    with 130 at once.
    """
    # They boot while the CPU work is calibrated. With no job there is no child
    # to start (graceful-stop's --jobs 0 is an endless source, not none), and
    # the forkserver would cost a boot for nothing.
    if config.jobs > 0 or graceful:
        start_helper_processes()
    job = SimulatedJob.from_config(config)  # before the recorder starts its clock
    # A reader of stdout that goes away (``--json | head -1``) ends the run
    # at the next event: the children go first, like on a second signal.
    recorder = Recorder(config, before_exit=_unwind_for_the_gone_reader)
    with StopRequest() as stop:

        def on_first(signum: int) -> None:
            if graceful:
                recorder.stopping(signum)
            stop(signum)

        signals = StopSignals(recorder, on_first, before_exit=kill_children)
        signals.install()
        try:
            if graceful:
                recorder.ready()
            completed = pattern(Program(config, job, recorder, stop))
            if not completed:
                # Every process has been killed and waited for: nothing can
                # end a job now.
                recorder.cancel_unfinished()
            code = recorder.finish(interrupted=not completed)
        except ReaderGone:
            code = EXIT_BROKEN_PIPE
    signals.exit_with(code)


class ReaderGone(BaseException):
    """Unwinds the program once the reader of its events has gone.

    A BaseException, like KeyboardInterrupt, so that no ``except Exception``
    stops it on its way up.
    """


def _unwind_for_the_gone_reader() -> NoReturn:
    """The recorder's last act when stdout's reader has gone: unwind, do not exit.

    The children are killed at once, so that none runs on for nobody. The
    ``finally`` blocks and ``with`` blocks on the way up then reap them and
    close the buffers, and the program exits normally, with
    EXIT_BROKEN_PIPE: exit handlers run, among them multiprocessing's, which
    release the buffer's semaphores. ``os._exit`` would skip them, and the
    resource tracker would warn on stderr about leaked semaphores.
    """
    kill_children()
    raise ReaderGone

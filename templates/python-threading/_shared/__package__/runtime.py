"""How jobs run on threads: cancellable simulated work, and the signal wiring.

A thread cannot be stopped from the outside, so every wait and every loop
here is cooperative: work is handed a ``Stop`` (a ``threading.Event``, or
anything with its ``is_set`` and ``wait``), waits on it instead of sleeping,
and checks it between chunks of computation. Setting the event is how a
signal, a deadline or a drain limit ends the work.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn, Protocol

from .harness import (
    STOP_SIGNALS,
    Config,
    CpuWork,
    Recorder,
    StopSignals,
    burn,
    job_result,
)

TARGET = "python-threading"


class Stop(Protocol):
    """When to stop: the two methods of ``threading.Event`` that work uses."""

    def is_set(self) -> bool:
        """Whether the work should stop now."""
        ...

    def wait(self, timeout: float | None = None) -> bool:
        """Block until it is time to stop (True) or ``timeout`` passes (False)."""
        ...


class WorkCancelledError(Exception):
    """The work was told to stop before it ended."""


@dataclass(frozen=True, slots=True)
class SimulatedWork:
    """The ``--work-ms`` of one job: waiting (io) or computing (cpu).

    Both kinds stop soon after their ``Stop`` is set: io waits on it rather
    than sleeping, so it wakes at once; cpu checks it between chunks of about
    a millisecond of computation.
    """

    ms: int
    cpu: CpuWork | None
    """The calibrated computation for ``--work cpu``; None for io."""

    @classmethod
    def for_config(cls, config: Config) -> SimulatedWork:
        """The work of ``config``; for cpu it calibrates (about 100 ms)."""
        cpu = CpuWork.calibrate() if config.work == "cpu" else None
        return cls(config.work_ms, cpu)

    def run(self, stop: Stop) -> None:
        """Do the work; raise WorkCancelledError if ``stop`` is set before it ends."""
        if self.cpu is None:
            if stop.wait(self.ms / 1000):
                raise WorkCancelledError
            return
        for chunk in self.cpu.chunks(self.ms):
            if stop.is_set():
                raise WorkCancelledError
            # The thread holds the GIL while it computes, and the interpreter
            # makes it let go every few milliseconds: other threads take turns.
            burn(chunk)


def run_job(
    recorder: Recorder,
    job: int,
    *,
    work: SimulatedWork,
    stop: Stop,
    fail_every: int,
    worker: int | None = None,
) -> None:
    """Run one job of the program and report its start and its end.

    The job's own failure (``--fail-every``) is reported as ``fail``, not
    raised: it is an outcome. Anything raised from here is a bug. A job whose
    ``stop`` is already set does not start; ``Recorder.cancel_unfinished``
    reports it.
    """
    if stop.is_set():
        return
    recorder.start(job, worker)
    try:
        work.run(stop)
        result = job_result(job, fail_every)
    except WorkCancelledError:
        recorder.cancel(job)
    except Exception as error:
        recorder.fail(job, error)
    else:
        recorder.done(job, result)


def block_stop_signals() -> None:
    """Leave SIGINT and SIGTERM to the main thread: block them in this thread.

    Pass it as the ``initializer`` of every thread pool, so that each of its
    threads blocks them once, as it starts; never call it in the main
    thread. Python runs signal handlers in the main thread only, yet the
    kernel may deliver the process's signal to any thread that does not
    block it, and one that lands on a worker leaves the main thread asleep
    in its wait (a drain of many seconds). Blocked everywhere else, the
    signals can only go to the main thread.
    """
    if hasattr(signal, "pthread_sigmask"):  # not on Windows
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)


@dataclass(frozen=True, slots=True)
class Run:
    """One run of the program, as the pattern's glue sees it."""

    config: Config
    recorder: Recorder
    work: SimulatedWork
    cancel: threading.Event
    """Set by the first stop signal: the jobs stop, the run ends."""

    def process(self, job: int, worker: int | None = None) -> None:
        """``run_job`` for this run: its work, stopped by ``cancel``."""
        run_job(
            self.recorder,
            job,
            work=self.work,
            stop=self.cancel,
            fail_every=self.config.fail_every,
            worker=worker,
        )


def run_cancellable(config: Config, body: Callable[[Run], None]) -> NoReturn:
    """Run the program ``body`` and exit with its exit code.

    The first SIGINT or SIGTERM sets ``Run.cancel``: ``body`` must then stop
    its jobs and return soon; the jobs it submitted and never ended are
    reported as cancelled and the program exits with 130. A second signal
    exits at once. ``body`` must keep the main thread in blocking waits
    (joining a pool, ``Future.result``, ``Queue.put``), which Python
    interrupts to run the signal handler (though a signal landing just
    before such a wait begins is acted on only when it ends; graceful-stop's
    service bounds its waits for that reason), and must never set or wait on
    ``cancel`` in the main thread: the handler sets it, interrupting the
    main thread wherever it is, and would deadlock on the event's lock if
    that thread were holding it.
    """
    work = SimulatedWork.for_config(config)  # before the run's clock starts
    recorder = Recorder(config)
    cancel = threading.Event()
    stop = StopSignals(recorder, lambda _signum: cancel.set())
    stop.install()
    body(Run(config, recorder, work, cancel))
    if stop.received:
        recorder.cancel_unfinished()
    stop.exit_with(recorder.finish(interrupted=stop.received))


def gil_enabled() -> bool:
    """Whether this interpreter runs Python code on one thread at a time."""
    if sys.version_info >= (3, 13):
        return sys._is_gil_enabled()
    return True

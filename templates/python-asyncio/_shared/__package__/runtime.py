"""How jobs run on the event loop: cancellable simulated work, and the signals.

Everything here runs on one thread. A coroutine gives the loop a turn at
each ``await``, and that is also the only place where it can be cancelled:
``task.cancel()`` raises CancelledError inside the task at its next
``await``. So every wait below is an ``await``, and CPU work is cut into
chunks of about a millisecond with an ``await`` between them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, NoReturn

from .harness import Config, CpuWork, Recorder, StopSignals, burn, job_result

TARGET = "python-asyncio"


async def compute(cpu: CpuWork, work_ms: int) -> None:
    """Do ``work_ms`` of calibrated CPU work without taking the loop hostage.

    A coroutine that computes holds the only thread: no timer fires, no
    signal is handled and no other task runs until it awaits. Yielding
    after every chunk of about a millisecond keeps the loop responsive and
    gives cancellation a place to land. It does not make anything faster:
    the chunks of every job take turns on one core.
    """
    for chunk in cpu.chunks(work_ms):
        burn(chunk)
        await asyncio.sleep(0)


@dataclass(frozen=True, slots=True)
class Jobs:
    """The program's jobs: their ids, their simulated work and their events."""

    config: Config
    recorder: Recorder
    cpu: CpuWork | None
    """The calibrated computation for ``--work cpu``; None for io."""

    @classmethod
    def start(cls, config: Config) -> Jobs:
        """The jobs of ``config``; the run's clock starts here.

        For ``--work cpu`` it first calibrates the computation (about
        100 ms), so that the calibration does not count as run time.
        """
        cpu = CpuWork.calibrate() if config.work == "cpu" else None
        return cls(config, Recorder(config), cpu)

    def ids(self) -> range:
        """Job ids 1..``--jobs``, in submission order."""
        return range(1, self.config.jobs + 1)

    def submit_all(self) -> None:
        """Count every job as submitted, for patterns handed them all at once.

        A job the run never reaches still gets its ``cancel`` event.
        """
        for job in self.ids():
            self.recorder.submit(job)

    async def work(self, job: int) -> int:
        """Do ``job``'s work and return its result (``job * 2``).

        Raises InjectedFailureError for the jobs ``--fail-every`` picks, and
        CancelledError if cancelled while working. Reports nothing.
        """
        if self.cpu is None:
            await asyncio.sleep(self.config.work_ms / 1000)
        else:
            await compute(self.cpu, self.config.work_ms)
        return job_result(job, self.config.fail_every)

    async def run(
        self,
        job: int,
        worker: int | None = None,
        *,
        work: Awaitable[int] | None = None,
    ) -> int:
        """Run ``job`` from its ``start`` event to its terminal event.

        Awaits ``work`` (by default ``self.work(job)``) and reports how it
        ended: ``done``, ``timeout`` for a TimeoutError, ``cancel`` for a
        cancellation, ``fail`` for any other exception. Then returns the
        result or raises what ``work`` raised, so the pattern sees the job's
        outcome the way any Python caller would.
        """
        self.recorder.start(job, worker)
        try:
            result = await (self.work(job) if work is None else work)
        except asyncio.CancelledError:
            self.recorder.cancel(job)
            raise
        except TimeoutError:
            self.recorder.timeout(job)
            raise
        except Exception as error:
            self.recorder.fail(job, error)
            raise
        self.recorder.done(job, result)
        return result


def run_until_cancelled(jobs: Jobs, main: Coroutine[Any, Any, object]) -> NoReturn:
    """Run ``main`` as the program, then exit; the first signal cancels it.

    SIGINT or SIGTERM cancels ``main``'s task, which cancels every task it
    started: each job reports its own ``cancel``, jobs never started get
    theirs here, and the program exits with 130. Otherwise it exits with 1
    if a job failed, else 0.
    """
    _run(jobs, main, graceful_stop=None)


def run_until_stopped(
    jobs: Jobs, main: Coroutine[Any, Any, object], *, stop: Callable[[], None]
) -> NoReturn:
    """Run the service ``main`` until it ends, then exit with 0 or 1.

    Writes ``ready`` once the signal handlers are in place. The first
    SIGINT or SIGTERM writes ``stopping`` and calls ``stop()`` on the event
    loop: ``main`` then stops taking jobs and drains the ones in flight.
    """
    _run(jobs, main, graceful_stop=stop)


def _run(
    jobs: Jobs,
    main: Coroutine[Any, Any, object],
    *,
    graceful_stop: Callable[[], None] | None,
) -> NoReturn:
    recorder = jobs.recorder
    with asyncio.Runner() as runner:
        loop = runner.get_loop()
        # The task exists before the handlers do, so a signal arriving at
        # any moment from here on has something to act on.
        task = loop.create_task(main)

        def on_first_signal(signum: int) -> None:
            if graceful_stop is None:
                task.cancel()
            else:
                recorder.stopping(signum)
                graceful_stop()

        def hand_over(signum: int) -> None:
            # Python runs a signal handler in this thread between two
            # bytecodes, whatever the loop is in the middle of, so the handler
            # only hands the signal over: on_first_signal runs on the loop at
            # its next turn. The self-pipe behind call_soon_threadsafe wakes
            # the loop if it is waiting.
            loop.call_soon_threadsafe(on_first_signal, signum)

        # StopSignals installs hand_over with signal.signal rather than
        # loop.add_signal_handler, whose handlers vanish when the loop closes:
        # a second Ctrl-C during shutdown would then raise KeyboardInterrupt.
        stop = StopSignals(recorder, hand_over)
        stop.install()
        if graceful_stop is not None:
            recorder.ready()
        try:
            loop.run_until_complete(task)
        except asyncio.CancelledError:
            recorder.cancel_unfinished()
            code = recorder.finish(interrupted=True)
        else:
            code = recorder.finish()
        # Still inside the Runner: once exit_with has set the signals aside,
        # a late one cannot reach a closed loop.
        stop.exit_with(code)

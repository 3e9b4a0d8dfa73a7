"""The demo program's side of the process pool: its job, its events, its exit."""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable
from concurrent.futures import CancelledError
from dataclasses import dataclass
from typing import NoReturn

from ..outcome import Outcome
from ..processes import kill_children
from . import Config, CpuWork, Recorder, job_result

EXIT_READER_GONE = 128 + signal.SIGPIPE
"""141: what a shell reports for a program killed by SIGPIPE, as a C or Go
program would be once the reader of its output is gone."""


@dataclass(frozen=True, slots=True)
class SimulatedJob:
    """The program's job handler: ``work_ms`` of waiting or computing, then its result.

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


def record(recorder: Recorder, outcome: Outcome[int, int]) -> None:
    """Write the event that ends the outcome's job: done, fail or cancel."""
    if outcome.error is None:
        recorder.done(outcome.job, outcome.result())
    elif isinstance(outcome.error, CancelledError):
        recorder.cancel(outcome.job)
    else:
        recorder.fail(outcome.job, outcome.error)


class ReaderGone(BaseException):
    """Unwinds the program once the reader of its events has gone.

    A BaseException, like KeyboardInterrupt, so that no ``except Exception``
    stops it on its way up.
    """


def unwind_for_the_gone_reader() -> NoReturn:
    """The recorder's last act when stdout's reader has gone: unwind, do not exit.

    The children are killed at once, so that none runs on for nobody. The
    ``finally`` and ``with`` blocks on the way up then reap them and close
    the queues, and the program exits normally, with EXIT_READER_GONE: exit
    handlers run, among them multiprocessing's, which release the queues'
    semaphores. ``os._exit`` would skip them, and the resource tracker would
    warn on stderr about leaked semaphores.
    """
    kill_children()
    raise ReaderGone


def exit_program(main: Callable[[], int]) -> NoReturn:
    """Run ``main`` and exit with the code it returns (EXIT_READER_GONE: see above).

    Stop signals are ignored from then on: the run has nothing left to
    stop, and while the interpreter shuts down Python puts back the default
    handlers, so a late Ctrl-C would otherwise kill the process with SIGINT
    instead of letting it exit with its code.
    """
    try:
        code = main()
    except ReaderGone:
        code = EXIT_READER_GONE
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    sys.exit(code)

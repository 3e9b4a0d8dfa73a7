"""Job handlers for the tests: top-level, so that they pickle to a worker process.

They live here rather than in a test module because a child process
imports the module of the handler it runs: this one is light to import.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path


def double(job: int) -> int:
    return job * 2


def sleep(seconds: float) -> float:
    """The job is how long to sleep."""
    time.sleep(seconds)
    return seconds


def fail_on_odd(job: int) -> int:
    if job % 2:
        raise ValueError(f"job {job} is odd")
    return job * 2


@dataclass(frozen=True, slots=True)
class MarkWhenDone:
    """Sleeps ``seconds``, then creates the file ``<directory>/<job>``.

    The file is a side effect that shows whether the job ran to its end.
    """

    directory: Path
    seconds: float

    def __call__(self, job: int) -> int:
        time.sleep(self.seconds)
        (self.directory / str(job)).touch()
        return job * 2


def crash_on_even(job: int) -> int:
    """Ends its own process on an even job, the way a crash in C code would."""
    if job % 2 == 0:
        os._exit(3)
    time.sleep(0.05)
    return job * 2


def exit_quietly_on_odd(job: int) -> int:
    """Ends its own process with code 0 on an odd job, as ``os._exit(0)`` would."""
    if job % 2:
        os._exit(0)
    return job * 2


def exit_quietly_after(seconds: float) -> float:
    """Ends its own process with code 0 once ``seconds`` have passed."""
    time.sleep(seconds)
    os._exit(0)


def call_sys_exit_on_odd(job: int) -> int:
    """Calls ``sys.exit()`` on an odd job: SystemExit ends the process."""
    if job % 2:
        sys.exit()
    return job * 2


def process_id(job: int) -> int:
    """The id of the process that runs the job."""
    return os.getpid()


def slow_process_id(job: int) -> int:
    """The id of the process that runs the job, after 0.2 s."""
    time.sleep(0.2)
    return os.getpid()


class TwoArgumentError(Exception):
    """Pickles, but cannot be rebuilt: unpickling calls it with one argument."""

    def __init__(self, job: int, reason: str) -> None:
        super().__init__(f"job {job}: {reason}")


def raise_two_argument_error_on_odd(job: int) -> int:
    if job % 2:
        raise TwoArgumentError(job, "odd jobs are refused")
    return job * 2


class LockedError(Exception):
    """Cannot be pickled at all: it holds a lock."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.lock = threading.Lock()


def raise_locked_error_on_odd(job: int) -> int:
    if job % 2:
        raise LockedError(f"job {job} holds a lock")
    return job * 2


class UnprintableError(Exception):
    """Pickles and crosses, but its ``str`` raises: the parent could not write it."""

    def __str__(self) -> str:
        raise RuntimeError("this error cannot be shown")


def raise_unprintable_error_on_odd(job: int) -> int:
    if job % 2:
        raise UnprintableError
    return job * 2


def return_a_lock(job: int) -> threading.Lock:
    """A result that cannot be pickled."""
    return threading.Lock()


def exit_soon_after_the_job(job: int) -> int:
    """Returns its process's id, and leaves a thread that ends the process 0.1 s later.

    The process dies while idle, waiting for its next job.
    """
    threading.Timer(0.1, os._exit, args=(7,)).start()
    return os.getpid()


def _rebuild_in_a_child_only(message: str) -> ParentOnlyFailsError:
    if multiprocessing.parent_process() is None:
        raise RuntimeError("this error can only be rebuilt in a child process")
    return ParentOnlyFailsError(message)


class ParentOnlyFailsError(Exception):
    """Round-trips in a child, but cannot be rebuilt in the parent.

    As when the parent lacks a module the child imported: only the parent
    can notice, when it unpickles the job's outcome.
    """

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return _rebuild_in_a_child_only, (str(self),)


def raise_parent_only_fails_error_on_odd(job: int) -> int:
    if job % 2:
        raise ParentOnlyFailsError(f"job {job} cannot come back")
    return job * 2


def linger_after_the_job(job: int) -> int:
    """Leaves a thread behind that keeps its process from exiting for an hour."""
    threading.Thread(target=time.sleep, args=(3600,), daemon=False).start()
    return job * 2


@dataclass(frozen=True)
class SlowToUnpickle:
    """A job that a child takes ``delay`` seconds to unpickle: it starts late.

    Rebuilt without the delay, so that only its first trip is slow.
    """

    number: int
    delay: float

    def __reduce__(self) -> tuple[object, tuple[int, float]]:
        return _unpickle_slowly, (self.number, self.delay)


def _unpickle_slowly(number: int, delay: float) -> SlowToUnpickle:
    time.sleep(delay)
    return SlowToUnpickle(number, 0.0)


def hold(job: SlowToUnpickle) -> int:
    time.sleep(30)
    return job.number

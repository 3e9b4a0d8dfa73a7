"""What a worker process sends the parent about each job, and how.

A worker reports ``Started`` when it begins a job, then ``Finished`` with
the job's ``Outcome``. ``run_job`` makes sure whatever the handler returns
or raises can make the trip; ``read_report`` reads one in the parent.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from typing import Generic, Protocol

from ..outcome import J, Outcome, R
from .errors import ChildTraceback, UnreadableOutcomeError, crossable, decode


@dataclass(frozen=True, slots=True)
class Started:
    """A worker has begun the job that the parent numbered ``number``, at
    ``at`` (``time.monotonic``, one clock for every process on the machine).

    The number alone crosses back: the parent still has the job. The time
    does, as the parent may read the report late: the job has run since.
    """

    number: int
    at: float


@dataclass(frozen=True, slots=True)
class Finished(Generic[J, R]):
    """``worker`` has ended a job with ``outcome``.

    ``traceback`` is the job's error's traceback as the child formatted it,
    empty when there is none or the parent noticed the failure itself. It
    is also the error's ``__cause__`` (a ``ChildTraceback``), set again when
    the message is unpickled in the parent: a traceback printed or logged
    there shows where the child raised.
    """

    worker: int
    outcome: Outcome[J, R]
    traceback: str = ""

    def __post_init__(self) -> None:
        if self.traceback and self.outcome.error is not None:
            self.outcome.error.__cause__ = ChildTraceback(self.traceback)

    def __reduce__(self) -> tuple[type[Finished[J, R]], tuple[int, Outcome[J, R], str]]:
        # Unpickled through __init__, so that __post_init__ runs in the parent:
        # pickling an exception keeps its args, not its __cause__.
        return Finished, (self.worker, self.outcome, self.traceback)


class Sender(Protocol):
    """Where a child sends its reports to the parent (a ``Connection``)."""

    def send(self, obj: object) -> None: ...


def run_job(
    reports: Sender, handle: Callable[[J], R], job: J, worker: int, number: int
) -> None:
    """In a child: run ``handle(job)``, reporting ``Started`` then ``Finished``.

    ``number`` is how the parent knows the job: ``Started`` carries it.

    Whatever the handler returns or raises reaches the parent: an error that
    would not survive the trip becomes a RemoteError, and a result that
    cannot be pickled, the job's failure. Only an exception that is not an
    ``Exception`` (``SystemExit``) ends the process, which the parent sees.
    """
    reports.send(Started(number, time.monotonic()))
    finished: Finished[J, R]
    try:
        finished = Finished(worker, Outcome(job, handle(job)))
    except Exception as error:  # the job's error goes to the parent, whatever it is
        finished = _failed(worker, job, error)
    try:
        pickle.dumps(finished)
    except Exception as error:  # a value that cannot be pickled
        finished = _failed(worker, job, error)
    reports.send(finished)


def _failed(worker: int, job: J, error: Exception) -> Finished[J, R]:
    crossing, shown = crossable(error)
    return Finished(worker, Outcome(job, error=crossing), shown)


def pickled(message: object) -> bytes:
    """``message`` pickled as a ``Connection`` or a queue would pickle it.

    Done in the parent before a job is sent: a job that cannot be pickled
    then fails alone, before it takes a worker, instead of raising in the
    middle of a run (or, put in a ``multiprocessing`` queue, being dropped
    by the queue's thread).
    """
    return bytes(ForkingPickler.dumps(message))


def read_report(connection: Connection) -> object:
    """Read one report from a child: EOFError once its process has ended.

    A report the parent cannot unpickle comes back as UnreadableOutcomeError.
    """
    try:
        data = connection.recv_bytes()
    except ConnectionResetError as error:  # it was killed before we read all
        raise EOFError from error
    try:
        report: object = decode(data)
    except UnreadableOutcomeError as error:
        report = error
    return report

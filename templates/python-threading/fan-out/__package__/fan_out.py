"""Fan-out: start every job at once, each on its own thread; gather the outcomes.

A bare ``threading.Thread`` per job would lose each job's return value and
exception (an exception only reaches ``threading.excepthook``, which prints
it, and the program still exits 0). Here each job's value or exception
becomes its ``Outcome``, handed back as the job finishes. ``workers``
threads start at once and each takes a job as soon as it is read: pass the
number of jobs to start them all together, or fewer to cap the threads for
a source too long for that. The threads and their queue are in
``workers.py``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterable

from .outcome import J, Outcome, R
from .workers import run_workers


def run(
    jobs: Iterable[J],
    handle: Callable[[J], R],
    *,
    workers: int,
    stop: threading.Event | None = None,
) -> Generator[Outcome[J, R], None, None]:
    """Run ``handle(job)`` for every job, up to ``workers`` at once; yield outcomes.

    One Outcome per job, as it finishes; a failing job does not stop the
    others. Once ``stop`` is set no job starts, and a job read but not
    started comes back with a ``NotStartedError``; ``handle`` must itself
    watch ``stop`` for running jobs to end early. When the generator ends,
    or is closed, no thread it started is left. Raises ValueError at once if
    ``workers`` < 1.
    """
    return run_workers(
        jobs, lambda job, _thread: handle(job), workers=workers, capacity=1, stop=stop
    )

"""Worker pool: a fixed number of threads run any number of jobs.

``workers`` threads start once and each takes the next job as soon as it
is free, so at most ``workers`` jobs run at once. The source is read only
as jobs come back: at most ``2 * workers + 1`` are read and not yet handed
back, so it may be endless (``ThreadPoolExecutor.submit`` would queue
every job given to it; ``Executor.map`` has ``buffersize`` for this only
since Python 3.14). How the threads share the work is in ``workers.py``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterable

from .outcome import J, Outcome, R
from .workers import run_workers


def run(
    jobs: Iterable[J],
    handle: Callable[[J, int], R],
    *,
    workers: int,
    stop: threading.Event | None = None,
) -> Generator[Outcome[J, R], None, None]:
    """Run ``handle(job, worker)`` for every job on ``workers`` threads.

    Yields one Outcome per job as it finishes, numbering workers 1..workers.
    A job that raises is that job's Outcome; its worker goes on. Once
    ``stop`` is set no job starts, and each job read but not started comes
    back with a ``NotStartedError``; ``handle`` must itself watch ``stop``
    for the jobs in flight to end early. If ``jobs`` raises, the jobs it
    gave are handed back first, then its exception is raised. Closing the
    generator early waits for the jobs in flight. Raises ValueError at once
    if ``workers`` < 1.
    """
    return run_workers(jobs, handle, workers=workers, capacity=workers, stop=stop)

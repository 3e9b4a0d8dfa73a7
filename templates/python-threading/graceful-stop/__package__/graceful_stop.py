"""Graceful stop: a service whose workers take jobs until they are told to stop.

When ``stop`` is set, no worker takes another job, and the jobs in flight
may finish within ``drain``; then ``abort`` is set, and the
handlers still running must return. The jobs read ahead and never started
come back as outcomes (``NotStartedError``), not dropped. Workers wait on
a queue and jobs on the abort event: with nothing to compute, the service
only wakes every ``SIGNAL_CHECK_SECONDS`` (0.1 s) to look for a stop. The
queue and the threads are in ``workers.py``.
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
    stop: threading.Event,
    drain: float,
    abort: threading.Event,
) -> Generator[Outcome[J, R], None, None]:
    """Serve ``jobs`` (possibly endless) on ``workers`` threads until ``stop``.

    Worker ``worker`` (1..workers) calls ``handle(job, worker)``; one
    Outcome per job comes back as it finishes, a job that raises included.
    ``handle`` must return soon after ``abort`` is set: wait on it rather
    than sleep, check it between steps of computation. ``stop`` may be set
    from a signal handler: the caller's thread never waits on it, and never
    blocks for more than 0.1 s, so a stop is seen at once. The run does not
    wait for a source that blocks: it ends without it, and the job the
    source gives next is dropped, so a source should return on ``stop``.
    Raises ValueError at once if ``workers`` < 1 or ``drain`` < 0.
    """
    if drain < 0:
        raise ValueError(f"drain must be >= 0, got {drain}")
    deadline = threading.Timer(drain, abort.set)
    served = run_workers(
        jobs,
        handle,
        workers=workers,
        capacity=workers,
        stop=stop,
        on_stop=deadline.start,
    )
    return _ending_the_drain(served, deadline)


def _ending_the_drain(
    served: Generator[Outcome[J, R], None, None], deadline: threading.Timer
) -> Generator[Outcome[J, R], None, None]:
    try:
        yield from served
    finally:
        deadline.cancel()  # every job has ended: nothing left to abort
        if deadline.is_alive():
            deadline.join()

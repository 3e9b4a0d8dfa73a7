"""Producer-consumer: one producer, ``workers`` consumers, a bounded queue.

The producer thread takes jobs from the source and puts them into a
``queue.Queue`` of ``buffer`` places: while it is full, ``put`` blocks
(backpressure), so a producer faster than its consumers never holds more
than ``buffer`` jobs in the queue. Consumer threads take jobs out and
handle them. No end marker: when the source ends the queue is shut down
(``Queue.shutdown``, with a fallback before Python 3.13), which wakes
every consumer waiting in ``get()`` once the queue is empty; with one
``None`` marker for several consumers, the others would wait forever. The
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
    buffer: int,
    stop: threading.Event | None = None,
) -> Generator[Outcome[J, R], None, None]:
    """Feed ``jobs`` through a queue of ``buffer`` to ``workers`` consumers.

    Consumer ``worker`` (1..workers) calls ``handle(job, worker)`` on each
    job it takes; one Outcome per job comes back as it finishes, a job that
    raises included. Once ``stop`` is set no job enters the queue or starts,
    and the jobs left in it come back with a ``NotStartedError``;
    ``handle`` must itself watch ``stop`` for the jobs in flight to end
    early. A stop does not wait for a producer blocked in ``jobs`` (a socket
    nobody writes to): that daemon thread is left there, and drops the job
    it reads next; make ``jobs`` end on ``stop`` to lose none. If ``jobs``
    raises, what it gave is consumed first, then its exception is raised.
    Raises ValueError at once if ``workers`` or ``buffer`` is below 1 (a
    ``Queue(maxsize=0)`` would be unbounded).
    """
    if buffer < 1:
        raise ValueError(f"buffer must be at least 1, got {buffer}")
    return run_workers(jobs, handle, workers=workers, capacity=buffer, stop=stop)

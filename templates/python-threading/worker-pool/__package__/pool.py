"""Worker pool: a fixed number of threads run any number of jobs.

``ThreadPoolExecutor`` is the pool: its threads take jobs from an unbounded
internal queue, so at most ``workers`` jobs run at once however many are
submitted, and each job's value or exception lands in its own ``Future``.
What this module adds is the worker's number (1..workers), which the
handler gets so that it can say who ran the job.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

J = TypeVar("J")
R = TypeVar("R")


def run_pool(
    handle: Callable[[J, int], R], jobs: Iterable[J], *, workers: int
) -> list[Future[R]]:
    """Run ``handle(job, worker)`` for every job on ``workers`` threads.

    Returns one done Future per job, in the order of ``jobs``: its
    ``result()`` is the handler's return value, or raises its exception. A
    failing job neither stops its worker nor the pool. When this returns,
    every worker thread has exited.
    """
    numbers: queue.SimpleQueue[int] = queue.SimpleQueue()
    for number in range(1, workers + 1):
        numbers.put(number)
    local = threading.local()

    def take_a_number() -> None:
        # The executor runs this once in each thread it starts, and starts at
        # most ``workers`` of them: each takes its own number.
        local.worker = numbers.get_nowait()

    def call(job: J) -> R:
        worker: int = local.worker
        return handle(job, worker)

    with ThreadPoolExecutor(
        max_workers=workers, thread_name_prefix="worker", initializer=take_a_number
    ) as pool:
        futures = [pool.submit(call, job) for job in jobs]
    # Leaving the with block waited for every job and joined every thread.
    return futures

"""Worker pool: a fixed number of threads run any number of jobs.

``ThreadPoolExecutor`` is the pool: at most ``workers`` jobs run at once,
and each job's value or exception lands in its own ``Future``. What this
module adds:

- backpressure: the executor queues whatever it is given, without limit,
  so submitting every job up front would never end with an endless source.
  ``run_pool`` keeps at most ``2 * workers`` jobs submitted and not yet
  handed back (``Executor.map`` has ``buffersize`` for this since 3.14);
- results handed back as they finish, each with its job;
- the worker's number (1..workers), which the handler gets so that it can
  say who ran the job.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

J = TypeVar("J")
R = TypeVar("R")


def run_pool(
    handle: Callable[[J, int], R],
    jobs: Iterable[J],
    *,
    workers: int,
    initializer: Callable[[], object] | None = None,
) -> Generator[tuple[J, Future[R]], None, None]:
    """Run ``handle(job, worker)`` for every job on ``workers`` threads.

    Yields ``(job, future)`` for each job as it finishes, a done future
    whose ``result()`` is the handler's return value or raises its
    exception. A failing job neither stops its worker nor the pool. The
    next job is taken from ``jobs`` only once a submitted one has been
    handed back, so ``jobs`` may be endless. ``initializer()``, when given,
    runs once in each worker thread as it starts.

    If ``jobs`` raises, no further job is taken, every job already taken
    is still run and handed back, and then the source's exception is
    raised. When the iteration ends, every worker thread has exited.
    Closing the iterator early (``close()``) cancels the jobs that have not
    started, waits for those running and drops every outcome not yet
    handed back: a caller that needs them all iterates to the end.
    Raises ValueError at once if ``workers`` < 1.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    return _results(handle, iter(jobs), workers, initializer)


def _results(
    handle: Callable[[J, int], R],
    jobs: Iterator[J],
    workers: int,
    initializer: Callable[[], object] | None,
) -> Generator[tuple[J, Future[R]], None, None]:
    numbers: queue.SimpleQueue[int] = queue.SimpleQueue()
    for number in range(1, workers + 1):
        numbers.put(number)
    local = threading.local()

    def start_thread() -> None:
        # The executor runs this once in each thread it starts, and starts at
        # most ``workers`` of them: each takes its own number.
        local.worker = numbers.get_nowait()
        if initializer is not None:
            initializer()

    def call(job: J) -> R:
        worker: int = local.worker
        return handle(job, worker)

    # Twice the workers: while the caller handles one result, a job is
    # already queued behind each busy worker, so no worker waits for the
    # caller to submit its next job.
    most_in_flight = 2 * workers
    in_flight: dict[Future[R], J] = {}
    with ThreadPoolExecutor(
        max_workers=workers, thread_name_prefix="worker", initializer=start_thread
    ) as pool:
        try:
            source_error: Exception | None = None
            while True:
                if len(in_flight) == most_in_flight:
                    yield from _hand_back_finished(in_flight)
                try:
                    job = next(jobs)
                except StopIteration:
                    break
                except Exception as error:
                    # The jobs already given are the caller's: finish and hand
                    # them back before the source's error ends the iteration.
                    source_error = error
                    break
                in_flight[pool.submit(call, job)] = job
            while in_flight:
                yield from _hand_back_finished(in_flight)
            if source_error is not None:
                raise source_error
        finally:
            # Closed early by the caller: what has not started never will.
            pool.shutdown(cancel_futures=True)


def _hand_back_finished(
    in_flight: dict[Future[R], J],
) -> Iterator[tuple[J, Future[R]]]:
    """Wait for at least one job to finish; yield each finished one."""
    finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
    for future in finished:
        yield in_flight.pop(future), future

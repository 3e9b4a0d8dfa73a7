"""A worker pool on one event loop: at most ``workers`` jobs at once, each
outcome handed back as its job finishes.

The other patterns of this project are built on it: fan-out is a pool
without a limit, timeout a pool of timed calls, producer-consumer a pool
behind a bounded buffer, graceful-stop a pool with a stop and a drain.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable
from typing import Any, TypeVar

from .outcome import Outcome

J = TypeVar("J")
R = TypeVar("R")
T = TypeVar("T")


def run(
    jobs: AsyncIterable[J],
    handle: Callable[[J, int], Awaitable[R]],
    *,
    workers: int | None,
    stop: asyncio.Event | None = None,
) -> AsyncGenerator[Outcome[J, R], None]:
    """Run ``handle(job, worker)`` on each job, at most ``workers`` at once.

    ``worker`` (1..workers) names the slot the job runs in; ``workers=None``
    sets no limit: every job starts as soon as it is read. The next job is
    read only when a worker is free, so ``jobs`` may block or never end and
    memory holds only the jobs in flight.

    Yields one Outcome per job as it finishes, and a worker takes its next
    job only once the caller has asked for the next outcome. A job whose
    handler raises is an Outcome with that error (a job cancelled from
    outside: ``CancelledError``); the pool goes on. It ends once ``jobs``
    ends or ``stop`` is set, and the jobs in flight have finished; a job
    read as the stop came is handed back unstarted, with CancelledError. If
    ``jobs`` raises, the jobs in flight finish and are handed back, then
    the error is raised.

    Closing it early (``aclose()``, leaving ``contextlib.aclosing``, or
    cancelling the task that iterates) cancels the jobs in flight and waits
    for them. Raises ValueError, here and not once iterated, if ``workers``
    is below 1.
    """
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    return _run(jobs, handle, workers, stop)


async def _run(
    jobs: AsyncIterable[J],
    handle: Callable[[J, int], Awaitable[R]],
    workers: int | None,
    stop: asyncio.Event | None,
) -> AsyncGenerator[Outcome[J, R], None]:
    source = aiter(jobs)
    # Every task this loop starts reports here as it ends: one wait for
    # whichever comes first, however many jobs run.
    ended: asyncio.Queue[asyncio.Future[Any]] = asyncio.Queue()

    def start(work: Awaitable[T]) -> asyncio.Future[T]:
        task = asyncio.ensure_future(work)
        task.add_done_callback(ended.put_nowait)
        return task

    running: dict[asyncio.Future[R], tuple[J, int]] = {}
    free_workers: list[int] = []  # numbers of workers that finished a job
    room = asyncio.Semaphore(workers) if workers is not None else None

    def stopping() -> bool:
        return stop is not None and stop.is_set()

    async def take_jobs() -> list[J]:
        """Read and start jobs until the source ends or the stop; return the
        job read as the stop came, if any: it has left the source but must
        not start."""
        # One task reads for the whole run and starts each job itself: the
        # jobs a source already holds start in one pass of the loop, and a
        # source that blocks holds back no outcome meanwhile.
        while not stopping():
            if room is not None:
                await room.acquire()  # a worker is free
            else:
                await asyncio.sleep(0)  # no limit: the jobs started get their turn
            if stopping():
                break
            try:
                job = await anext(source)
            except StopAsyncIteration:
                break
            if stopping():
                return [job]
            worker = free_workers.pop() if free_workers else len(running) + 1
            running[start(_call(handle, job, worker))] = (job, worker)
        return []

    intake: asyncio.Future[list[J]] | None = start(take_jobs())
    stopped = start(stop.wait()) if stop is not None and not stop.is_set() else None
    source_error: BaseException | None = None
    try:
        while running or intake is not None:
            done = await ended.get()
            if done is intake:
                intake = None
                if done.cancelled():  # by the stop
                    continue
                source_error = done.exception()
                if source_error is None:
                    for job in done.result():
                        yield Outcome(job, error=asyncio.CancelledError())
            elif done is stopped:
                # Wakes the read that waits for input, or for a free worker.
                stopped = None
                if intake is not None:
                    intake.cancel()
            elif done in running:
                job, worker = running.pop(done)
                free_workers.append(worker)
                yield _outcome(job, done)
                if room is not None:
                    room.release()  # the caller asked for the next outcome
        if source_error is not None:
            raise source_error
    finally:
        # Whatever ended the loop, no task it started outlives it. (Not a
        # TaskGroup: around a yield, its cancellation would land in the
        # caller's code while the generator waits to be resumed.)
        unfinished: list[asyncio.Future[Any]] = [*running]
        unfinished += [w for w in (intake, stopped) if w is not None]
        for waiting in unfinished:
            waiting.cancel()
        await asyncio.gather(*unfinished, return_exceptions=True)


async def _call(handle: Callable[[J, int], Awaitable[R]], job: J, worker: int) -> R:
    # Called in the job's task: a plain function that raises before it
    # returns an awaitable fails its job, not the pool.
    return await handle(job, worker)


def _outcome(job: J, task: asyncio.Future[R]) -> Outcome[J, R]:
    if task.cancelled():
        return Outcome(job, error=asyncio.CancelledError())
    error = task.exception()
    if error is not None:  # not ``if error``: an exception may be falsy
        return Outcome(job, error=error)
    return Outcome(job, task.result())

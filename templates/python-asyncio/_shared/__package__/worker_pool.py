"""A worker pool on one event loop: at most ``workers`` jobs at once, each
outcome handed back as its job finishes.

The other patterns of this project are built on it: fan-out is a pool
without a limit, timeout a pool of timed calls, producer-consumer a pool
behind a bounded buffer, graceful-stop a pool with a stop and a drain.
"""

from __future__ import annotations

import asyncio
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    Awaitable,
    Callable,
    Iterable,
)
from typing import Any, TypeVar

from .outcome import Outcome

J = TypeVar("J")
R = TypeVar("R")
T = TypeVar("T")

# How long the source gets to end its read once cancelled, as the pool
# closes, before it is cancelled again.
_CANCEL_AGAIN_S = 0.5


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
    read only when a worker is free, and with no limit only while the
    caller waits for an outcome, so ``jobs`` may block or never end and
    memory holds only the jobs in flight.

    Yields one Outcome per job as it finishes, and a worker takes its next
    job only once the caller has asked for the next outcome. A job whose
    handler raises is an Outcome with that error (a job cancelled from
    outside: ``CancelledError``); the pool goes on. It ends once ``jobs``
    ends or ``stop`` is set, and the jobs in flight have finished; a job
    read as the stop came is handed back unstarted, with CancelledError. If
    ``jobs`` raises, the jobs in flight finish and are handed back, then
    the error is raised (a RuntimeError for a CancelledError of its own).

    Closing it early (``aclose()``, or leaving ``contextlib.aclosing``)
    cancels the read under way and the jobs in flight, and waits for them,
    though it be cancelled again meanwhile; it raises that cancellation
    once they have ended. A read that ignores its cancellation, by the
    close or by the stop, is cancelled again every half-second, and a job
    it still returns is not started. Cancelling the
    task that iterates closes it the same way only if the cancellation
    comes while it waits for an outcome: one that comes in the caller's own
    code, between two outcomes, leaves it suspended with its jobs running
    until it is garbage-collected or the event loop shuts down. A caller
    that may be cancelled iterates inside ``contextlib.aclosing``, which
    closes it on the way out. Raises ValueError, here and not once
    iterated, if ``workers`` is below 1.
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
    # A slot per worker, given back once the caller asks for the next
    # outcome; with no limit, the intake reads only while the caller waits
    # for one. Either way a caller that is slow holds the source back.
    room = asyncio.Semaphore(workers) if workers is not None else None
    caller_waits = asyncio.Event()
    closing = False

    def stopping() -> bool:
        return stop is not None and stop.is_set()

    async def take_jobs() -> Outcome[J, R] | None:
        """Read and start jobs until the source ends, the stop or the close;
        return the outcome of a job read as the stop came: it has left the
        source but must not start."""
        # One task reads for the whole run and starts each job itself: the
        # jobs a source already holds start in one pass of the loop, and a
        # source that blocks holds back no outcome meanwhile.
        while True:
            if room is not None:
                await room.acquire()
            else:
                # Checked again once woken: the caller may have had its
                # outcome and gone back to its own code meanwhile.
                while not caller_waits.is_set():
                    await caller_waits.wait()
            if stopping():
                return None
            try:
                job = await anext(source)
            except StopAsyncIteration:
                return None
            # The close and the stop cancel this read, but a source may
            # swallow the cancellation and return a job (Python 3.11's
            # asyncio.wait_for does, if its wait ends as the cancel comes).
            if closing:
                return None  # nobody is left to hand it back to
            if stopping():
                return Outcome(job, error=asyncio.CancelledError())
            worker = free_workers.pop() if free_workers else len(running) + 1
            running[start(_call(handle, job, worker))] = (job, worker)
            if room is None:
                # No limit: a source that never waits must not keep the
                # jobs just started from running.
                await asyncio.sleep(0)

    intake: asyncio.Future[Outcome[J, R] | None] | None = start(take_jobs())
    stopped = start(stop.wait()) if stop is not None and not stop.is_set() else None
    source_error: BaseException | None = None
    intake_stopped = False
    again: asyncio.TimerHandle | None = None

    def stop_intake() -> None:
        # Again each _CANCEL_AGAIN_S while it runs on: a source may lose a
        # cancellation and go on waiting for input.
        nonlocal again
        if intake is not None:
            intake.cancel()
            again = asyncio.get_running_loop().call_later(_CANCEL_AGAIN_S, stop_intake)

    try:
        while running or intake is not None:
            caller_waits.set()
            done = await ended.get()
            caller_waits.clear()
            if done is intake:
                intake = None
                if done.cancelled() and intake_stopped:
                    continue  # nothing more is read
                if done.cancelled():  # not by the stop: by the source itself
                    source_error = RuntimeError("the job source raised CancelledError")
                else:
                    source_error = done.exception()
                if source_error is None:
                    unstarted = done.result()
                    if unstarted is not None:
                        yield unstarted
            elif done is stopped:
                # Wakes the intake waiting for input, or for a free worker.
                stopped, intake_stopped = None, True
                stop_intake()
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
        closing = True  # a read that ignores its cancellation starts nothing
        if again is not None:
            again.cancel()
        others: list[asyncio.Future[Any]] = [*running]
        if stopped is not None:
            others.append(stopped)
        for task in others:
            task.cancel()
        # Cancelled again meanwhile (a second Ctrl-C, an outer timeout), it
        # goes on waiting, as a TaskGroup does, and raises that once all ended.
        cancelled: asyncio.CancelledError | None = None
        while True:
            try:
                if intake is not None:
                    await cancel_until_ended((intake,), _CANCEL_AGAIN_S)
                await asyncio.gather(*others, return_exceptions=True)
                break
            except asyncio.CancelledError as error:
                cancelled = error
        if cancelled is not None:
            raise cancelled


async def cancel_until_ended(
    tasks: Iterable[asyncio.Future[Any]], again_after_s: float
) -> None:
    """Cancel ``tasks`` and wait until every one has ended, cancelling again
    those still running after ``again_after_s``.

    Python 3.11's ``asyncio.wait_for`` drops a cancellation now and then (as
    redis-py, say, sends each command under it): a task, or a source's read,
    would then run on, until its input came, or for good. Their errors are
    retrieved: asyncio logs an error left unread. A task's cleanup that
    awaits gets ``again_after_s`` to finish: a second cancellation cuts it
    short.
    """
    cancelled = list(tasks)
    running = {task for task in cancelled if not task.done()}
    while running:
        for task in running:
            task.cancel()
        _, running = await asyncio.wait(running, timeout=again_after_s)
    for task in cancelled:
        if not task.cancelled():
            task.exception()


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

"""Fan-out: submit every task at once, each to its own thread; wait for all.

A bare ``threading.Thread`` per task would lose each task's return value and
exception (an exception only reaches ``threading.excepthook``, which prints
it, and the program still exits 0). A ``ThreadPoolExecutor`` with one thread
per task keeps both in a ``Future``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def fan_out(
    task: Callable[[T], R],
    items: Sequence[T],
    *,
    initializer: Callable[[], object] | None = None,
) -> list[Future[R]]:
    """Run ``task(item)`` for every item, each on its own thread; wait for all.

    Returns one done Future per item, in the order of ``items``: its
    ``result()`` is the task's return value, or raises the task's exception.
    A failing task does not stop the others. When this returns, no thread it
    started is still running. ``initializer()``, when given, runs first in
    each thread, as in ``ThreadPoolExecutor``.
    """
    if not items:
        return []  # ThreadPoolExecutor refuses max_workers=0
    # One thread per item: every task is submitted now and none waits for a
    # free thread. Waiting tasks all start at once; CPU-bound ones do not,
    # because under the GIL each new thread starts only when the submitting
    # thread gets its turn between the busy ones.
    with ThreadPoolExecutor(
        max_workers=len(items), thread_name_prefix="fan-out", initializer=initializer
    ) as pool:
        futures = [pool.submit(task, item) for item in items]
    # Leaving the with block joined every thread, so every future is done.
    return futures

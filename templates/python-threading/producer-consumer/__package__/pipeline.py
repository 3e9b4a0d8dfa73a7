"""Producer-consumer: one producer, N consumer threads, a bounded queue.

The queue holds at most ``capacity`` items: a producer faster than its
consumers blocks in ``put`` until one takes an item out (backpressure), so
memory stays bounded. When input ends, the producer puts one end marker per
consumer: each consumer takes exactly one and exits.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from enum import Enum
from typing import Final, Generic, TypeVar

T = TypeVar("T")


class _End(Enum):
    # An enum member, not None, so that None can be an item and mypy can
    # tell the marker from an item.
    MARKER = "end of input"


_END: Final = _End.MARKER


def produce_and_consume(
    items: Iterable[T],
    consume: Callable[[T, int], object],
    *,
    consumers: int,
    capacity: int,
    cancel: threading.Event,
    initializer: Callable[[], object] | None = None,
) -> None:
    """Feed ``items`` through a queue of ``capacity`` to ``consumers`` threads.

    Each consumer, numbered 1..consumers, calls ``consume(item, consumer)``
    on the items it takes. Returns once every item has been consumed and
    every consumer has exited. A ``consume`` that raises does not stop its
    consumer: the other items are still consumed, then the errors are raised
    together in an ExceptionGroup. Once ``cancel`` is set, no new item enters
    the queue and the consumers drop what is left in it without consuming it.
    ``initializer()``, when given, runs first in each consumer thread, as in
    ``ThreadPoolExecutor``. Raises ValueError if ``consumers`` or
    ``capacity`` is below 1 (``queue.Queue(maxsize=0)`` would be unbounded).
    """
    if consumers < 1:
        raise ValueError(f"consumers must be at least 1, got {consumers}")
    if capacity < 1:
        raise ValueError(f"capacity must be at least 1, got {capacity}")
    buffer: queue.Queue[T | _End] = queue.Queue(maxsize=capacity)
    pipeline = _Consumers(buffer, consume, cancel)
    with ThreadPoolExecutor(
        max_workers=consumers, thread_name_prefix="consumer", initializer=initializer
    ) as pool:
        running = [
            pool.submit(pipeline.run, number) for number in range(1, consumers + 1)
        ]
        try:
            for item in items:
                if cancel.is_set():
                    break
                buffer.put(item)  # blocks while the queue is full
            # Returns once task_done() has been called for every item put:
            # every item is consumed (or dropped, after a cancel).
            buffer.join()
        finally:
            # One marker per consumer, even if the items raised: a single
            # marker would stop one consumer and leave the others blocked in
            # get() forever, and the with block would wait for them forever.
            for _ in running:
                buffer.put(_END)
    for consumer in running:
        consumer.result()  # a consumer that crashed outside consume: raise it
    if pipeline.errors:
        raise ExceptionGroup("consume raised", pipeline.errors)


class _Consumers(Generic[T]):
    """What every consumer thread runs, and the errors they collect."""

    def __init__(
        self,
        buffer: queue.Queue[T | _End],
        consume: Callable[[T, int], object],
        cancel: threading.Event,
    ) -> None:
        self._buffer = buffer
        self._consume = consume
        self._cancel = cancel
        self._lock = threading.Lock()
        self.errors: list[Exception] = []

    def run(self, number: int) -> None:
        while True:
            item = self._buffer.get()
            try:
                if item is _END:
                    return
                if not self._cancel.is_set():
                    self._consume(item, number)
            except Exception as error:
                with self._lock:
                    self.errors.append(error)
            finally:
                # In finally, so that an item whose consume raised still
                # counts as done: otherwise buffer.join() would wait forever.
                self._buffer.task_done()

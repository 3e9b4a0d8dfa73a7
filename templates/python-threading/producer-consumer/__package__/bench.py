"""Benchmark of producer-consumer: throughput through the bounded queue.

Each figure is measured against a plain loop in the same run.
"""

from __future__ import annotations

import threading

from . import producer_consumer
from .benchmark import best_seconds, compare, interpreter, per_item_us
from .harness.simulated import SimulatedWork

CONSUMERS, BUFFER = 4, 8


def through_the_queue(items: int, work: SimulatedWork) -> float:
    never = threading.Event()

    def consume_all() -> None:
        for _ in producer_consumer.run(
            range(items),
            lambda item, _: work.run(item, never),
            workers=CONSUMERS,
            buffer=BUFFER,
        ):
            pass

    return best_seconds(consume_all)


def main() -> None:
    print(
        f"producer-consumer, {CONSUMERS} consumer threads, queue of {BUFFER},"
        f" {interpreter()}"
    )
    never = threading.Event()

    items, io = 40, SimulatedWork(ms=20, cpu=None)

    def in_a_loop() -> None:
        for item in range(items):
            io.run(item, never)

    piped = through_the_queue(items, io)
    print(
        f"io, {items} items of {io.ms} ms:",
        compare("consumers", piped, best_seconds(in_a_loop, repeat=1), "loop"),
    )

    items = 5000
    piped = through_the_queue(items, SimulatedWork(ms=0, cpu=None))
    print(
        f"overhead, {items} items without work: {per_item_us(piped, items)} per"
        " item (put, get, and the outcome's way back, with threads taking turns)"
    )


if __name__ == "__main__":
    main()

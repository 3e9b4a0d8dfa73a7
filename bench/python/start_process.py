"""Microseconds to start a Python process that does nothing, and join it.

Kept apart from probe.py, and importing next to nothing, because spawn and
forkserver children import the parent's main module again: this measures
the start method, not the cost of re-importing a large program.
    python start_process.py fork|forkserver|spawn --rounds N --samples N
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import time
from multiprocessing.context import ForkContext, ForkServerContext, SpawnContext
from typing import Literal

Method = Literal["fork", "forkserver", "spawn"]


def nothing() -> None:
    pass


def context_for(method: Method) -> ForkContext | ForkServerContext | SpawnContext:
    if method == "fork":
        return multiprocessing.get_context("fork")
    if method == "forkserver":
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


def start_processes(method: Method, count: int) -> float:
    context = context_for(method)
    start = time.perf_counter()
    for _ in range(count):
        process = context.Process(target=nothing)
        process.start()
        process.join()
    return (time.perf_counter() - start) * 1e6 / count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("method", choices=["fork", "forkserver", "spawn"])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--samples", type=int, default=3)
    args = parser.parse_args()
    # The warm-up also starts the forkserver and the resource tracker, which a
    # pool pays for once, not per process.
    start_processes(args.method, 1)
    samples = [start_processes(args.method, args.rounds) for _ in range(args.samples)]
    print(json.dumps({"samples_us": samples}))


if __name__ == "__main__":
    main()

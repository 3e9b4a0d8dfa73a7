"""Where the python-asyncio worker pool's time per no-op job goes.

Run from the root of a generated python-asyncio worker-pool project:
    python path/to/asyncio-worker-pool.py PACKAGE
Prints CPU microseconds per job (CPU time, so that other work on the machine
does not count) for the generated ``run_pool``, for the same pool with its
queue replaced by one iterator shared by the workers, and for the bare
``asyncio.gather`` of workers; then the cost of one ``Outcome``.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import statistics
import sys
import time
import timeit
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

JOBS = 20_000
WORKERS = 4


async def handle(_worker: int, job: int) -> int:
    return job * 2


def cpu_us_per_job(run: Callable[[], object]) -> float:
    samples = []
    for _ in range(5):
        start = time.process_time()
        run()
        samples.append((time.process_time() - start) * 1e6 / JOBS)
    return statistics.median(samples)


def main() -> None:
    sys.path.insert(0, os.getcwd())  # the project, not this script's folder
    module = importlib.import_module(f"{sys.argv[1]}.worker_pool")
    run_pool, outcome = module.run_pool, module.Outcome

    async def shared_iterator_pool(
        handler: Callable[[int, int], Awaitable[int]],
        jobs: Iterable[int],
        *,
        workers: int,
    ) -> list[Any]:
        pending = enumerate(jobs)
        outcomes: dict[int, Any] = {}

        async def work(worker: int) -> None:
            for index, job in pending:
                try:
                    outcomes[index] = outcome(value=await handler(worker, job))
                except Exception as error:  # noqa: BLE001 (the pool reports every error)
                    outcomes[index] = outcome(error=error)

        async with asyncio.TaskGroup() as group:
            for worker in range(1, workers + 1):
                group.create_task(work(worker))
        return [outcomes[index] for index in range(len(outcomes))]

    async def bare() -> None:
        pending = iter(range(JOBS))
        results = [0] * JOBS

        async def work() -> None:
            for job in pending:
                results[job] = await handle(0, job)

        await asyncio.gather(*(work() for _ in range(WORKERS)))

    figures = {
        "run_pool (bounded asyncio.Queue)": lambda: asyncio.run(
            run_pool(handle, range(JOBS), workers=WORKERS)
        ),
        "the same, workers sharing one iterator": lambda: asyncio.run(
            shared_iterator_pool(handle, range(JOBS), workers=WORKERS)
        ),
        "bare asyncio.gather of 4 loops": lambda: asyncio.run(bare()),
    }
    for name, run in figures.items():
        print(f"{name:42} {cpu_us_per_job(run):6.2f} µs CPU per job")
    per_outcome = (
        min(timeit.repeat(lambda: outcome(value=1), number=100_000, repeat=5)) * 10
    )
    per_tuple = min(timeit.repeat(lambda: (1, None), number=100_000, repeat=5)) * 10
    print(
        f"{'one Outcome(value=...)':42} {per_outcome:6.2f} µs; a tuple: {per_tuple:.2f} µs"
    )


if __name__ == "__main__":
    main()

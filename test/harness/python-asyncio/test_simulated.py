"""The simulated jobs on the event loop: ids, waiting, computing, failing."""

from __future__ import annotations

import asyncio
import time

import pytest

from __package__.harness import InjectedFailureError, parse_config
from __package__.harness.simulated import SimulatedWork


def work_of(*flags: str, pattern: str = "worker-pool") -> SimulatedWork:
    config = parse_config(
        list(flags),
        pattern=pattern,
        target="python-asyncio",
        description="",
        jobs=3,
        work_ms=0,
    )
    return SimulatedWork(config)


async def take(work: SimulatedWork, count: int, read: list[int]) -> list[int]:
    jobs = work.jobs(on_read=read.append)
    try:
        return [await anext(jobs) for _ in range(count)]
    finally:
        await jobs.aclose()


def test_the_jobs_are_1_to_n_each_reported_as_read() -> None:
    read: list[int] = []
    assert asyncio.run(take(work_of(), 3, read)) == [1, 2, 3] == read
    assert asyncio.run(take(work_of("--jobs", "0"), 0, [])) == []


def test_graceful_stop_with_no_job_count_reads_for_ever() -> None:
    work = work_of("--jobs", "0", pattern="graceful-stop")
    assert asyncio.run(take(work, 1000, [])) == list(range(1, 1001))


def test_a_job_returns_twice_its_id_or_fails_as_told() -> None:
    work = work_of("--fail-every", "2")
    assert asyncio.run(work.run(3)) == 6
    with pytest.raises(InjectedFailureError):
        asyncio.run(work.run(4))


@pytest.mark.timeout(20)
def test_io_work_waits_without_holding_the_loop() -> None:
    work = work_of("--work-ms", "100")

    async def five_at_once() -> float:
        started = time.perf_counter()
        await asyncio.gather(*(work.run(job) for job in range(1, 6)))
        return time.perf_counter() - started

    assert 0.1 <= asyncio.run(five_at_once()) < 0.45  # not 0.5 s, one by one


@pytest.mark.timeout(20)
def test_cpu_work_lets_the_loop_run_and_stops_soon_when_cancelled() -> None:
    work = work_of("--work", "cpu", "--work-ms", "60000")

    async def main() -> tuple[int, float]:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        ticker = asyncio.create_task(tick())
        job = asyncio.create_task(work.run(1))
        # Until the ticker has had its turns, not for a fixed 50 ms: on a
        # loaded machine the chunks take longer and fewer turns fit in it.
        # A loop held hostage never comes back here: the timeout fails it.
        while ticks < 10 and not job.done():
            await asyncio.sleep(0.01)
        cancelled_at = time.perf_counter()
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job
        ticker.cancel()
        with pytest.raises(asyncio.CancelledError):
            await ticker
        return ticks, time.perf_counter() - cancelled_at

    ticks, stop_s = asyncio.run(main())
    assert ticks >= 10  # a turn between chunks; a loop held hostage gives 0
    assert stop_s < 0.5  # one chunk is about a millisecond

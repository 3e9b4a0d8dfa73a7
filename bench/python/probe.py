"""What bench/claims.mjs measures in Python; one JSON object on stdout per run.

python probe.py SUBCOMMAND [--rounds N] [--samples N] [--units N]
                [--url URL] [--requests N] [--workers N] [--jobs N]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import http.client
import json
import multiprocessing
import queue
import resource
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any


def repeat(samples: int, measure: Callable[[], float]) -> list[float]:
    """One warm-up run, then ``samples`` measured ones."""
    measure()
    return [measure() for _ in range(samples)]


# --- hand-off: one round trip between two units --------------------------


def handoff_asyncio(rounds: int) -> float:
    async def main() -> float:
        ping: asyncio.Queue[int] = asyncio.Queue()
        pong: asyncio.Queue[int] = asyncio.Queue()

        async def echo() -> None:
            while (value := await ping.get()) >= 0:
                pong.put_nowait(value)

        echoer = asyncio.create_task(echo())
        start = time.perf_counter()
        for value in range(rounds):
            ping.put_nowait(value)
            await pong.get()
        elapsed = time.perf_counter() - start
        ping.put_nowait(-1)
        await echoer
        return elapsed

    return asyncio.run(main()) * 1e6 / rounds


def handoff_threads(rounds: int) -> float:
    ping: queue.Queue[int] = queue.Queue()
    pong: queue.Queue[int] = queue.Queue()

    def echo() -> None:
        while (value := ping.get()) >= 0:
            pong.put(value)

    echoer = threading.Thread(target=echo)
    echoer.start()
    start = time.perf_counter()
    for value in range(rounds):
        ping.put(value)
        pong.get()
    elapsed = time.perf_counter() - start
    ping.put(-1)
    echoer.join()
    return elapsed * 1e6 / rounds


def _echo_pipe(connection: Connection) -> None:
    while (value := connection.recv()) >= 0:
        connection.send(value)


def handoff_pipe(rounds: int) -> float:
    context = multiprocessing.get_context("forkserver")
    here, there = context.Pipe()
    echoer = context.Process(target=_echo_pipe, args=(there,))
    echoer.start()
    here.send(0)
    here.recv()  # the child is up: its start is not a hand-off
    start = time.perf_counter()
    for value in range(rounds):
        here.send(value)
        here.recv()
    elapsed = time.perf_counter() - start
    here.send(-1)
    echoer.join()
    return elapsed * 1e6 / rounds


# --- memory per parked unit ----------------------------------------------


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def park_tasks(units: int) -> dict[str, Any]:
    async def main() -> dict[str, Any]:
        release = asyncio.Event()
        gc.collect()
        before = rss_bytes()
        tasks = [asyncio.create_task(release.wait()) for _ in range(units)]
        await asyncio.sleep(0)  # every task runs up to its wait and parks there
        after = rss_bytes()
        release.set()
        await asyncio.gather(*tasks)
        return {"units": units, "rss_before": before, "rss_after": after}

    return asyncio.run(main())


def park_threads(units: int) -> dict[str, Any]:
    """Starts daemon threads parked on one event, and leaves them parked.

    Waking ten thousand threads at once would have them queue for the GIL
    for longer than the measurement takes: the process exits with them
    still parked instead.
    """
    never = threading.Event()
    gc.collect()
    before = rss_bytes()
    started = 0
    error = None
    for _ in range(units):
        try:
            threading.Thread(target=never.wait, daemon=True).start()
        except RuntimeError as failure:  # the OS refused another thread
            error = f"{failure} after {started} threads"
            break
        started += 1
    result: dict[str, Any] = {
        "units": started,
        "rss_before": before,
        "rss_after": rss_bytes(),
    }
    if error:
        result["error"] = error
    return result


# --- starting a unit, and CPU-bound work on one or two -----------------------


def _nothing() -> None:
    pass


def start_thread(count: int) -> float:
    """Microseconds to start a thread that does nothing, and join it."""
    start = time.perf_counter()
    for _ in range(count):
        thread = threading.Thread(target=_nothing)
        thread.start()
        thread.join()
    return (time.perf_counter() - start) * 1e6 / count


def spin(iterations: int) -> float:
    """Pure-Python CPU work (the GIL is held throughout); returns its CPU seconds."""
    started = time.thread_time()
    total = 0
    for value in range(iterations):
        total += value * value % 7
    return time.thread_time() - started


def cpu_bound(kind: str, iterations: int, units: int) -> dict[str, float]:
    """Wall and CPU seconds for 2 jobs of ``spin`` on ``units`` threads or processes."""
    if kind == "threads":
        executor: ThreadPoolExecutor | ProcessPoolExecutor = ThreadPoolExecutor(
            max_workers=units
        )
    else:
        executor = ProcessPoolExecutor(
            max_workers=units, mp_context=multiprocessing.get_context("forkserver")
        )
    with executor:
        list(
            executor.map(spin, [1] * units)
        )  # start every worker before the clock runs
        start = time.perf_counter()
        cpu = sum(executor.map(spin, [iterations] * 2))
        wall = time.perf_counter() - start
    return {"wall_s": wall, "cpu_s": cpu}


# --- HTTP clients -----------------------------------------------------------


def shares(requests: int, workers: int) -> list[int]:
    return [
        requests // workers + (1 if w < requests % workers else 0)
        for w in range(workers)
    ]


def self_usage() -> tuple[float, int]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def client_asyncio(url: str, requests: int, workers: int) -> dict[str, Any]:
    parts = urllib.parse.urlsplit(url)
    request = (
        f"GET {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode()
    )

    async def worker(share: int) -> int:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        failed = 0
        try:
            for _ in range(share):
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.lower() == b"content-length":
                        length = int(value)
                await reader.readexactly(length)
                failed += not head.startswith(b"HTTP/1.1 200")
        finally:
            writer.close()
            await writer.wait_closed()
        return failed

    async def main() -> int:
        return sum(
            await asyncio.gather(
                *(worker(share) for share in shares(requests, workers))
            )
        )

    start = time.perf_counter()
    failed = asyncio.run(main())
    wall = time.perf_counter() - start
    cpu, rss = self_usage()
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "rss_kb": rss,
        "requests": requests,
        "failed": failed,
        "processes": 1,
    }


def _blocking_share(url: str, share: int) -> int:
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port)
    failed = 0
    try:
        for _ in range(share):
            connection.request("GET", parts.path or "/")
            response = connection.getresponse()
            response.read()
            failed += response.status != 200
    finally:
        connection.close()
    return failed


def client_threads(url: str, requests: int, workers: int) -> dict[str, Any]:
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        failed = sum(
            pool.map(_blocking_share, [url] * workers, shares(requests, workers))
        )
    wall = time.perf_counter() - start
    cpu, rss = self_usage()
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "rss_kb": rss,
        "requests": requests,
        "failed": failed,
        "processes": 1,
    }


def _process_share(url: str, share: int) -> tuple[int, float, int]:
    failed = _blocking_share(url, share)
    cpu, rss = self_usage()
    return failed, cpu, rss


def client_processes(url: str, requests: int, workers: int) -> dict[str, Any]:
    """One process per connection; CPU and peak RSS summed over every process."""
    start = time.perf_counter()
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        reports = list(
            pool.map(_process_share, [url] * workers, shares(requests, workers))
        )
    wall = time.perf_counter() - start
    cpu, rss = self_usage()
    return {
        "wall_s": wall,
        "cpu_s": cpu + sum(report[1] for report in reports),
        "rss_kb": rss + sum(report[2] for report in reports),
        "requests": requests,
        "failed": sum(report[0] for report in reports),
        "processes": 1 + workers,
    }


# --- bare primitives for the pool-overhead comparison ---------------------


def no_op(job: int) -> int:
    return job * 2


def bare_pool_asyncio(jobs: int, workers: int) -> tuple[float, float]:
    """asyncio.gather of ``workers`` loops sharing one iterator of jobs."""

    async def handle(job: int) -> int:
        return job * 2

    async def main() -> None:
        pending = iter(range(jobs))
        results = [0] * jobs

        async def work() -> None:
            for job in pending:
                results[job] = await handle(job)

        await asyncio.gather(*(work() for _ in range(workers)))

    return timed(lambda: asyncio.run(main()), jobs)


def bare_fanout_asyncio(jobs: int, _workers: int) -> tuple[float, float]:
    async def handle(job: int) -> int:
        return job * 2

    async def main() -> None:
        await asyncio.gather(*(handle(job) for job in range(jobs)))

    return timed(lambda: asyncio.run(main()), jobs)


def bare_pool_threads(jobs: int, workers: int) -> tuple[float, float]:
    def main() -> None:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(no_op, range(jobs)))

    return timed(main, jobs)


def bare_fanout_threads(jobs: int, _workers: int) -> tuple[float, float]:
    def main() -> None:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(no_op, range(jobs)))

    return timed(main, jobs)


def bare_pool_processes(jobs: int, workers: int) -> tuple[float, float]:
    def main() -> None:
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            list(pool.map(no_op, range(jobs)))

    return timed(main, jobs)


def timed(run: Callable[[], object], jobs: int) -> tuple[float, float]:
    """Wall and CPU microseconds per job of one call of ``run`` (CPU of this process's threads)."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return (time.perf_counter() - wall) * 1e6 / jobs, (
        time.process_time() - cpu
    ) * 1e6 / jobs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("subcommand")
    parser.add_argument("--rounds", type=int, default=20_000)
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--url", default="")
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=20_000)
    args = parser.parse_args()
    handoffs = {
        "handoff-asyncio": handoff_asyncio,
        "handoff-threads": handoff_threads,
        "handoff-pipe": handoff_pipe,
    }
    parks = {"park-tasks": park_tasks, "park-threads": park_threads}
    clients = {
        "client-asyncio": client_asyncio,
        "client-threads": client_threads,
        "client-processes": client_processes,
    }
    bare = {
        "bare-pool-asyncio": bare_pool_asyncio,
        "bare-fanout-asyncio": bare_fanout_asyncio,
        "bare-pool-threads": bare_pool_threads,
        "bare-fanout-threads": bare_fanout_threads,
        "bare-pool-processes": bare_pool_processes,
    }
    name = args.subcommand
    if name == "start-thread":
        result: dict[str, Any] = {
            "samples_us": repeat(args.samples, lambda: start_thread(args.rounds))
        }
    elif name in ("cpu-threads", "cpu-processes"):
        kind = name.removeprefix("cpu-")
        result = {
            "one": cpu_bound(kind, args.rounds, 1),
            "two": cpu_bound(kind, args.rounds, 2),
        }
    elif name in handoffs:
        result = {
            "samples_us": repeat(args.samples, lambda: handoffs[name](args.rounds))
        }
    elif name in parks:
        result = parks[name](args.units)
    elif name in clients:
        result = clients[name](args.url, args.requests, args.workers)
    elif name in bare:
        bare[name](args.jobs, args.workers)  # warm-up
        samples = [bare[name](args.jobs, args.workers) for _ in range(args.samples)]
        result = {
            "samples_us": [wall for wall, _ in samples],
            "cpu_samples_us": [cpu for _, cpu in samples],
        }
    else:
        sys.exit(f"unknown subcommand {name!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

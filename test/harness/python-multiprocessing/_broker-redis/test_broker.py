"""The parent's side of the broker: worker processes compute, the parent settles.

Only the parent talks to Redis; these tests drive its ``Broker`` and the
process pool against a real redis-server, then look at the stream.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import CancelledError

import pytest
import redis

from __package__ import (
    redis_stream,
)
from __package__.harness import (
    Recorder,
    broker,
    parse_config,
)
from __package__.outcome import (
    Outcome,
)
from __package__.processes import (
    ProcessPool,
    Stop,
    WorkerDiedError,
)

from tests.redis_server import RedisServer

STREAM = "test:jobs"


class Worker:
    """A ``--role worker`` broker, its recorder's events, and its stop."""

    def __init__(self, server: RedisServer, *flags: str) -> None:
        argv = ["--json", "--role", "worker", "--consumer", "me"]
        argv += ["--redis-url", server.url, "--stream", STREAM, *flags]
        config = parse_config(
            argv,
            pattern="worker-pool",
            target="test",
            description="",
            jobs=0,
            work_ms=0,
        )
        self._out = io.StringIO()
        stops = broker.Stops(signalled=Stop(), deadline=Stop())
        self.stop = stops.signalled
        self.broker = broker.Broker(config, Recorder(config, out=self._out), stops)

    def events(self, kind: str) -> list[dict[str, object]]:
        events = [json.loads(line) for line in self._out.getvalue().splitlines()]
        return [event for event in events if event["event"] == kind]


@pytest.fixture
def client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    with redis_server.client() as client:
        yield client


def produce(server: RedisServer, jobs: int, work_ms: int = 0) -> None:
    with redis_stream.Stream.open(server.url, STREAM, "producer") as stream:
        for job in range(1, jobs + 1):
            stream.produce(job, {"work_ms": work_ms, "fail": False})


def pending(client: redis.Redis) -> int:
    return int(client.xpending(STREAM, f"{STREAM}:workers")["pending"])


@pytest.mark.timeout(60)
def test_worker_processes_compute_and_the_parent_acknowledges_each_job_once(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    produce(redis_server, 12, work_ms=5)
    worker = Worker(redis_server, "--idle-exit-ms", "200")
    with worker.broker as parent:
        pool = ProcessPool(
            broker.PayloadJob(cpu=None),
            3,
            on_start=lambda job, worker, _: parent.took(job, worker),
        )
        for outcome in pool.outcomes(parent.deliveries(threading.Event())):
            parent.settle(outcome)
    done = Counter(event["job"] for event in worker.events("done"))
    assert done == Counter(range(1, 13))
    assert client.hgetall(f"{STREAM}:results") == {
        str(job): str(job * 2) for job in range(1, 13)
    }
    assert (pending(client), client.xlen(STREAM)) == (0, 0)


def test_a_job_handed_back_unbegun_is_released_and_a_cancelled_one_stays_pending(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    produce(redis_server, 1)
    worker = Worker(redis_server)
    with worker.broker as parent:
        deliveries = parent.deliveries(threading.Event())
        unbegun = next(deliveries)
        parent.settle(Outcome(unbegun, error=CancelledError()))
        deadline = time.monotonic() + 5
        while (pending(client), client.xlen(STREAM)) != (0, 1):  # back in line
            assert time.monotonic() < deadline
            time.sleep(0.01)
        killed = next(deliveries)
        [(entry_id, _)] = client.xrange(STREAM) or []
        assert (killed.job, killed.id) == (1, entry_id)
        parent.took(killed, 1)
        parent.settle(Outcome(killed, error=CancelledError()))
        worker.stop.set()
    assert [event["job"] for event in worker.events("cancel")] == [1]
    assert (pending(client), client.xlen(STREAM)) == (1, 1)  # for another worker


def test_a_job_whose_worker_process_died_is_retried_then_dead_lettered(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    produce(redis_server, 1)
    worker = Worker(redis_server, "--max-deliveries", "2", "--claim-idle-ms", "100")
    died = WorkerDiedError("worker process exited with code -9")
    with worker.broker as parent:
        deliveries = parent.deliveries(threading.Event())
        for _ in range(2):
            delivery = next(deliveries)
            parent.took(delivery, 1)
            parent.settle(Outcome(delivery, error=died))
        worker.stop.set()
    assert [event["job"] for event in worker.events("fail")] == [1]
    [dead] = worker.events("dead")
    assert dead["error"] == str(died)
    assert (pending(client), client.xlen(STREAM), client.xlen(f"{STREAM}:dead")) == (
        0,
        0,
        1,
    )


@pytest.mark.timeout(60)
def test_ending_intake_lets_the_jobs_in_flight_finish_and_be_acknowledged(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    produce(redis_server, 4, work_ms=300)
    worker = Worker(redis_server)

    def two_then_the_stop(
        deliveries: Iterator[redis_stream.Delivery],
    ) -> Iterator[redis_stream.Delivery]:
        yield next(deliveries)
        yield next(deliveries)
        worker.stop.set()  # the first signal of the programs: intake ends
        yield from deliveries  # nothing: the stop is set

    with worker.broker as parent:
        pool = ProcessPool(
            broker.PayloadJob(cpu=None),
            2,
            on_start=lambda job, worker, _: parent.took(job, worker),
        )
        jobs = two_then_the_stop(parent.deliveries(threading.Event()))
        for outcome in pool.outcomes(jobs):
            parent.settle(outcome)
    assert Counter(event["job"] for event in worker.events("done")) == Counter([1, 2])
    assert worker.events("cancel") == []
    assert (pending(client), client.xlen(STREAM)) == (0, 2)  # 3 and 4 unread

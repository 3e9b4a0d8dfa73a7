"""The program's side of the broker: its roles, its stop, and what becomes of
each outcome.

``serve`` is a broker program's whole run: a producer appends jobs
1..--jobs to the stream; a worker feeds the stream's deliveries to the
pattern's component and hands every outcome to the stream's settler as the
component yields it: acknowledged when done, left pending for a retry when
failed (dead-lettered after --max-deliveries), handed back when never
started, left pending for another worker when cancelled. The producer of
--role both is a task of its own, with a connection of its own.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import time
from collections.abc import AsyncGenerator, Callable, Coroutine, Mapping
from contextlib import aclosing, suppress
from typing import Any, TypeVar

from redis.exceptions import RedisError

from ..outcome import Outcome
from ..redis_stream import Delivery, Stream, UnreachableError
from ..redis_wire import fatal_line
from ..signals import stop_signals_handled
from ..worker_pool import cancel_until_ended
from . import Config, InjectedFailureError, Recorder
from .payload import Payload, PayloadError
from .simulated import SimulatedWork

IDLE_POLL_S = 0.05
"""How often an idle worker looks at the backlog, for --idle-exit-ms."""
CANCEL_AGAIN_S = 0.5
"""How long a task cancelled on an error may run on before it is cancelled again."""

T = TypeVar("T")

PatternRun = Callable[
    ["Broker", AsyncGenerator[Delivery, None], asyncio.Event],
    AsyncGenerator[Outcome[Delivery, int], None],
]
"""The pattern's component over the stream's deliveries, until the stop."""


async def serve(config: Config, work: SimulatedWork, run_pattern: PatternRun) -> int:
    """Run the roles of --role: produce, or run the stream's jobs through
    ``run_pattern``, or both; return the exit code.

    The first SIGINT or SIGTERM stops intake and drains the jobs in flight;
    at --drain-ms what still runs is cancelled and stays pending, for
    another worker; during the start-up, before the server answers, it
    ends the start-up: nothing was taken, exit 0. The second exits 130 at
    once. An error reply the server will not change its mind about is one
    line on stderr, and exit 1.
    """
    recorder = Recorder(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    broker: Broker | None = None  # until the start-up is over
    drain_deadline: asyncio.TimerHandle | None = None

    def on_stop_signal(signum: int) -> None:
        nonlocal drain_deadline
        if not stop.is_set():
            recorder.stopping(signum)
            stop.set()  # the first: intake stops, the jobs in flight drain
            drain_s = config.drain_ms / 1000
            drain_deadline = loop.call_later(drain_s, cancel_in_flight)
        else:
            recorder.exit_now()  # the second: the summary, then exit 130

    def cancel_in_flight() -> None:
        # What still runs at the deadline is cancelled, not acknowledged:
        # it stays pending in the stream, for another worker to claim.
        if broker is not None:
            broker.cancel_in_flight()

    with stop_signals_handled(on_stop_signal):
        try:
            broker = await _unless_stopped(Broker.open(config, recorder, work), stop)
            if broker is None:  # a stop during the start-up: nothing taken or failed
                return recorder.finish()
            recorder.ready()
            async with broker:
                await broker.start_producing(stop)
                if broker.works:
                    jobs = broker.deliveries(stop)
                    outcomes = run_pattern(broker, jobs, stop)
                    async with aclosing(jobs), aclosing(outcomes):
                        async for outcome in outcomes:
                            broker.settle(outcome)
        except UnreachableError as error:
            print(f"error: {error}", file=sys.stderr, flush=True)
            return 1
        except RedisError as error:  # an error reply the server will not take back
            print(fatal_line(error), file=sys.stderr, flush=True)
            recorder.finish()
            return 1  # what it held stays pending, for another worker
        finally:
            if drain_deadline is not None:
                drain_deadline.cancel()  # every job has ended: nothing to cancel
    return recorder.finish()  # a cancelled job is pending, not lost: exit 1


class Broker:
    """The streams of one process: the producer's, the worker's, or both."""

    def __init__(
        self,
        config: Config,
        recorder: Recorder,
        work: SimulatedWork,
        producer: Stream | None,
        worker: Stream | None,
    ) -> None:
        self._config, self._recorder, self._work = config, recorder, work
        self._producer, self._worker = producer, worker
        self._produced = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._started: set[str] = set()  # ids of the deliveries a handler began
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._drained = asyncio.Event()  # --drain-ms has passed since the stop

    @classmethod
    async def open(
        cls, config: Config, recorder: Recorder, work: SimulatedWork
    ) -> Broker:
        """Connect each role to the stream; raises UnreachableError."""

        async def connect(buffer: int | None) -> Stream:
            return await Stream.open(
                config.redis_url,
                config.stream,
                config.consumer,
                claim_idle=config.claim_idle_ms / 1000,
                max_deliveries=config.max_deliveries,
                buffer=buffer,
                capacity=config.workers,
            )

        producer = await connect(config.buffer) if config.role != "worker" else None
        try:
            worker = await connect(None) if config.role != "producer" else None
        except BaseException:
            if producer is not None:
                await producer.close()
            raise
        return cls(config, recorder, work, producer, worker)

    async def close(self) -> None:
        """Wait for its tasks and the settlements queued, then disconnect."""
        try:
            await asyncio.gather(*self._tasks)
        finally:
            for stream in (self._producer, self._worker):
                if stream is not None:
                    await stream.close()

    async def __aenter__(self) -> Broker:
        return self

    async def __aexit__(
        self, error_type: type[BaseException] | None, *_details: object
    ) -> None:
        if error_type is not None:
            # Left on an error: what it started ends now, and the error goes on.
            await cancel_until_ended(self._tasks, CANCEL_AGAIN_S)
            self._tasks.clear()
        await self.close()

    @property
    def works(self) -> bool:
        """Whether this process takes jobs: --role worker or both."""
        return self._worker is not None

    async def start_producing(self, stop: asyncio.Event) -> None:
        """Produce the jobs: here for --role producer, in a task for both."""
        if self._producer is None:
            self._produced.set()
        elif self._worker is None:
            await self._produce(self._producer, stop)
        else:
            self._tasks.append(asyncio.create_task(self._produce(self._producer, stop)))

    async def _produce(self, stream: Stream, stop: asyncio.Event) -> None:
        try:
            endless = self._config.jobs == 0
            last = self._config.jobs + 1
            for job in itertools.count(1) if endless else range(1, last):
                payload = Payload.for_job(job, self._config).to_json()
                if stop.is_set() or not await self._add(stream, job, payload, stop):
                    return  # what it produced is safe in the stream
        finally:
            self._produced.set()

    async def _add(
        self,
        stream: Stream,
        job: int,
        payload: Mapping[str, object],
        stop: asyncio.Event,
    ) -> bool:
        """Add ``job``; False if a stop came first.

        A job not added was never submitted, and writes no event; nor does
        one whose add raised. What was added is safe in the stream.
        """
        self._recorder.adding(job)
        added = False
        try:
            added = await stream.produce(job, payload, stop=stop)
        finally:
            self._recorder.produced(job, added)
        return added

    def deliveries(self, stop: asyncio.Event) -> AsyncGenerator[Delivery, None]:
        """The worker's job source, until ``stop``; with --idle-exit-ms, it
        ends once the stream has been empty that long."""
        assert self._worker is not None, "only a worker takes deliveries"
        # The source's own stop: a stop ends it, and so does an idle stream,
        # which must not count as a first signal.
        intake_ends = asyncio.Event()
        watching = self._end_intake(self._worker, stop, intake_ends)
        self._tasks.append(asyncio.create_task(watching))
        return self._worker.deliveries(intake_ends, abandoned=self._abandoned)

    async def _end_intake(
        self, stream: Stream, stop: asyncio.Event, intake_ends: asyncio.Event
    ) -> None:
        try:
            idle_s = self._config.idle_exit_ms / 1000
            if idle_s > 0:
                await self._until_idle(stream, stop, idle_s)
            else:
                await stop.wait()
        finally:
            intake_ends.set()  # also when the server refused: its error ends the run

    async def _until_idle(
        self, stream: Stream, stop: asyncio.Event, idle_s: float
    ) -> None:
        """Return once the stream has been empty ``idle_s``, or at ``stop``."""
        # An entry stays in the stream until a worker acknowledges it, so an
        # empty stream means no job is waiting or held, here or elsewhere.
        empty_since: float | None = None
        while not stop.is_set():
            if not self._produced.is_set() or await stream.backlog() > 0:
                empty_since = None
            elif empty_since is None:
                empty_since = time.monotonic()
            elif time.monotonic() - empty_since >= idle_s:
                return
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), IDLE_POLL_S)

    def _abandoned(self, delivery: Delivery, error: str) -> None:
        if delivery.claimed_from is not None:  # else a lost read of its own
            self._recorder.claim(delivery.job, None, delivery.claimed_from)
        self._recorder.dead(delivery.job, error, delivery.deliveries - 1)

    async def run(
        self, delivery: Delivery, worker: int, *, consumed: bool = False
    ) -> int:
        """Do the job of ``delivery`` on ``worker``, in the task that calls it.

        Says first that ``worker`` took it over from a dead worker, if so,
        then that it consumed it from the buffer, with ``consumed``.
        """
        task = asyncio.current_task()
        assert task is not None
        self._started.add(delivery.id)
        self._in_flight.add(task)
        try:
            if delivery.claimed_from is not None:
                self._recorder.claim(delivery.job, worker, delivery.claimed_from)
            if consumed:
                self._recorder.consume(delivery.job, worker)
            self._recorder.start(delivery.job, worker)
            payload = Payload.parse(delivery.payload)
            return await self._work.run(delivery.job, payload)
        finally:
            self._in_flight.discard(task)

    def cancel_in_flight(self) -> None:
        """Cancel every job running, and give up settling: each job left
        stays pending, for another worker."""
        self._drained.set()
        for task in self._in_flight:
            task.cancel()
        if self._worker is not None:
            self._worker.abandon_settling()

    def settle(self, outcome: Outcome[Delivery, int]) -> None:
        """Hand one job's outcome to the stream's settler, which acknowledges,
        dead-letters or hands it back; or leave it pending.

        Its event comes once the server has answered. Past the drain
        deadline nothing more is sent: the job is cancelled, left pending
        for another worker. Any error but the planned ones is a bug in the
        program: it is raised.
        """
        assert self._worker is not None, "only a worker settles outcomes"
        delivery, error, recorder = outcome.job, outcome.error, self._recorder
        job, started = delivery.job, delivery.id in self._started
        self._started.discard(delivery.id)
        if self._drained.is_set():
            recorder.cancel(job)
        elif error is None:
            result = outcome.result()

            def acknowledged(first: bool) -> None:
                if first:
                    recorder.done(job, result)
                else:
                    recorder.duplicate(job)

            _when_settled(
                self._worker.ack(delivery, result), job, recorder, acknowledged
            )
        elif not started:
            # Read as a stop came: no event, unless it cannot go back.
            _when_settled(self._worker.release(delivery), job, recorder, None)
        elif isinstance(error, asyncio.CancelledError):
            recorder.cancel(job)  # left pending: another worker claims it
        elif isinstance(error, InjectedFailureError | PayloadError):

            def failed(dead: bool) -> None:
                if dead:
                    recorder.dead(job, str(error), delivery.deliveries)
                else:
                    recorder.fail(job, error)

            _when_settled(
                self._worker.fail(delivery, str(error)), job, recorder, failed
            )
        else:
            raise error


def _when_settled(
    settled: asyncio.Future[bool],
    job: int,
    recorder: Recorder,
    on_answer: Callable[[bool], None] | None,
) -> None:
    """Call ``on_answer`` with the server's answer once it comes; a job the
    server did not settle (drain deadline, or an error reply) is cancelled,
    left pending. A callback, not a task per job: it costs less."""

    def record(settled: asyncio.Future[bool]) -> None:
        if settled.cancelled() or settled.exception() is not None:
            recorder.cancel(job)
        elif on_answer is not None:
            on_answer(settled.result())

    settled.add_done_callback(record)


async def _unless_stopped(
    starting: Coroutine[Any, Any, T], stop: asyncio.Event
) -> T | None:
    """What ``starting`` returns, or None if ``stop`` is set first: then it
    is cancelled, cutting short a connection attempt, a reply awaited, or
    the wait before trying again."""
    started = asyncio.create_task(starting)
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait((started, stopped), return_when=asyncio.FIRST_COMPLETED)
    finally:
        await cancel_until_ended((started, stopped), CANCEL_AGAIN_S)
    return None if started.cancelled() else started.result()

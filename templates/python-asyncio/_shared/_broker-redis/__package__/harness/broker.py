"""The program's side of the broker: its roles, and what becomes of each outcome.

A producer appends jobs 1..--jobs to the stream; a worker feeds the
stream's deliveries to the pattern's component and settles every outcome
on the loop that reads them: acknowledged when done, left pending for a
retry when failed (dead-lettered after --max-deliveries), handed back when
never started, left pending for another worker when cancelled. The producer
of --role both is a task of its own, with a connection of its own.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncGenerator
from contextlib import suppress
from typing import Any

from ..outcome import Outcome
from ..redis_stream import Delivery, Stream
from . import Config, InjectedFailureError, Recorder
from .payload import Payload, PayloadError
from .simulated import SimulatedWork

IDLE_POLL_S = 0.05
"""How often an idle worker looks at the backlog, for --idle-exit-ms."""


class Broker:
    """The streams of one process: the producer's, the worker's, or both."""

    def __init__(
        self,
        config: Config,
        recorder: Recorder,
        producer: Stream | None,
        worker: Stream | None,
    ) -> None:
        self._config, self._recorder = config, recorder
        self._producer, self._worker = producer, worker
        self._produced = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._started: set[str] = set()  # ids of the deliveries a handler began
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._drained = asyncio.Event()  # --drain-ms has passed since the stop

    @classmethod
    async def open(cls, config: Config, recorder: Recorder) -> Broker:
        """Connect each role to the stream; raises UnreachableError."""

        async def connect(buffer: int | None) -> Stream:
            return await Stream.open(
                config.redis_url,
                config.stream,
                config.consumer,
                claim_idle=config.claim_idle_ms / 1000,
                max_deliveries=config.max_deliveries,
                buffer=buffer,
            )

        producer = await connect(config.buffer) if config.role != "worker" else None
        try:
            worker = await connect(None) if config.role != "producer" else None
        except BaseException:
            if producer is not None:
                await producer.close()
            raise
        return cls(config, recorder, producer, worker)

    async def close(self) -> None:
        """Wait for its tasks, then close its connections."""
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
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
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
                if stop.is_set() or not await stream.produce(job, payload, stop=stop):
                    return  # what it produced is safe in the stream
                self._recorder.produce(job)
        finally:
            self._produced.set()

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
        idle_s = self._config.idle_exit_ms / 1000
        if idle_s > 0:
            await self._until_idle(stream, stop, idle_s)
        else:
            await stop.wait()
        intake_ends.set()

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
        assert delivery.claimed_from is not None
        self._recorder.claim(delivery.job, None, delivery.claimed_from)
        self._recorder.dead(delivery.job, error, delivery.deliveries - 1)

    def took(self, delivery: Delivery, worker: int) -> None:
        """Say that ``worker`` took ``delivery`` over from a dead worker, if so."""
        self._started.add(delivery.id)
        if delivery.claimed_from is not None:
            self._recorder.claim(delivery.job, worker, delivery.claimed_from)

    async def run(self, work: SimulatedWork, delivery: Delivery, worker: int) -> int:
        """Do the job of ``delivery`` on ``worker``, in the task that calls it."""
        task = asyncio.current_task()
        assert task is not None
        self._in_flight.add(task)
        try:
            self._recorder.start(delivery.job, worker)
            payload = Payload.parse(delivery.payload)
            return await work.run(delivery.job, payload)
        finally:
            self._in_flight.discard(task)

    def cancel_in_flight(self) -> None:
        """Cancel every job running, and give up settling: each job left
        stays pending, for another worker."""
        self._drained.set()
        for task in self._in_flight:
            task.cancel()

    async def settle(self, outcome: Outcome[Delivery, int]) -> None:
        """Acknowledge, retry, dead-letter, hand back or leave pending one job.

        Past the drain deadline it no longer waits for the server: the job
        is cancelled, left pending for another worker. Any error but the
        planned ones is a bug in the program: it is raised.
        """
        if not self._drained.is_set():
            settling = asyncio.ensure_future(self._settle(outcome))
            drained = asyncio.ensure_future(self._drained.wait())
            await asyncio.wait((settling, drained), return_when=asyncio.FIRST_COMPLETED)
            drained.cancel()
            if not settling.cancel():
                settling.result()  # settled, or a bug: raised
                return
            with suppress(asyncio.CancelledError):
                await settling
        self._started.discard(outcome.job.id)
        self._recorder.cancel(outcome.job.job)

    async def _settle(self, outcome: Outcome[Delivery, int]) -> None:
        assert self._worker is not None, "only a worker settles outcomes"
        delivery, error, recorder = outcome.job, outcome.error, self._recorder
        job, started = delivery.job, delivery.id in self._started
        self._started.discard(delivery.id)
        if error is None:
            result = outcome.result()
            if await self._worker.ack(delivery, result):
                recorder.done(job, result)
            else:
                recorder.duplicate(job)
        elif not started:
            await self._worker.release(delivery)  # read as a stop came
        elif isinstance(error, asyncio.CancelledError):
            recorder.cancel(job)  # left pending: another worker claims it
        elif isinstance(error, InjectedFailureError | PayloadError):
            if await self._worker.fail(delivery, str(error)):
                recorder.dead(job, str(error), delivery.deliveries)
            else:
                recorder.fail(job, error)
        else:
            raise error

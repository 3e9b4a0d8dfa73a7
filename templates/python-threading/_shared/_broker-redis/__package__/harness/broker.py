"""The program's side of the broker: its roles, and what becomes of each outcome.

A producer appends jobs 1..--jobs to the stream; a worker feeds the
stream's deliveries to the pattern's component and settles every outcome
in the caller's thread: acknowledged when done, left pending for a retry
when failed (dead-lettered after --max-deliveries), handed back when never
started, left pending for another worker when cancelled. The producer of
--role both runs on a thread of its own, with a connection of its own.
"""

from __future__ import annotations

import itertools
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import CancelledError
from dataclasses import replace

from ..outcome import Outcome
from ..redis_stream import Delivery, GaveUpError, Stream, UnreachableError
from ..workers import NotStartedError
from . import Config, InjectedFailureError, Recorder
from .payload import Payload, PayloadError
from .simulated import SimulatedWork, Stop

IDLE_POLL_S = 0.05
"""How often an idle worker looks at the backlog, for --idle-exit-ms."""
STOP_POLL_S = 0.1
"""How often the drain's thread looks whether the run ended without a stop."""


class Broker:
    """The streams of one process: the producer's, the worker's, or both."""

    def __init__(self, config: Config, recorder: Recorder) -> None:
        """Connect each role to the stream; exit 1 if the server is unreachable."""
        self._config, self._recorder = config, recorder
        self._produced = threading.Event()
        self._closed = threading.Event()
        self._drained = threading.Event()  # --drain-ms has passed since the stop
        self._threads: list[threading.Thread] = []
        self._producer: Stream | None = None
        self._worker: Stream | None = None
        try:
            if config.role != "worker":
                self._producer = self._open(buffer=config.buffer)
            if config.role != "producer":
                self._worker = self._open(buffer=None)
        except UnreachableError as error:
            self.close()
            print(f"error: {error}", file=sys.stderr, flush=True)
            sys.exit(1)

    def _open(self, *, buffer: int | None) -> Stream:
        config = self._config
        return Stream.open(
            config.redis_url,
            config.stream,
            config.consumer,
            claim_idle=config.claim_idle_ms / 1000,
            max_deliveries=config.max_deliveries,
            buffer=buffer,
        )

    def close(self) -> None:
        """Wait for its threads, then close its connections."""
        self._closed.set()
        for thread in self._threads:
            thread.join()
        for stream in (self._producer, self._worker):
            if stream is not None:
                stream.close()

    def __enter__(self) -> Broker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def works(self) -> bool:
        """Whether this process takes jobs: --role worker or both."""
        return self._worker is not None

    def start_producing(self, stop: threading.Event) -> None:
        """Produce the jobs: here for --role producer, on a thread for both."""
        if self._producer is None:
            self._produced.set()
        elif self._worker is None:
            self._produce(self._producer, stop)
        else:
            producing = threading.Thread(
                target=self._produce, args=(self._producer, stop), name="producer"
            )
            self._threads.append(producing)
            producing.start()

    def _produce(self, stream: Stream, stop: threading.Event) -> None:
        try:
            endless = self._config.jobs == 0
            last = self._config.jobs + 1
            for job in itertools.count(1) if endless else range(1, last):
                payload = Payload.for_job(job, self._config).to_json()
                if stop.is_set() or not stream.produce(job, payload, stop=stop):
                    return  # what it produced is safe in the stream
                self._recorder.produce(job)
        finally:
            self._produced.set()

    def deliveries(self, stop: threading.Event) -> Iterator[Delivery]:
        """The worker's job source, until ``stop``; with --idle-exit-ms, the
        stop is set once the stream has been empty that long."""
        assert self._worker is not None, "only a worker takes deliveries"
        if self._config.idle_exit_ms > 0:
            watching = threading.Thread(
                target=self._stop_when_idle,
                args=(self._worker, stop),
                name="idle-exit",
            )
            self._threads.append(watching)
            watching.start()
        return self._worker.deliveries(stop, abandoned=self._abandoned)

    def _stop_when_idle(self, stream: Stream, stop: threading.Event) -> None:
        # An entry stays in the stream until a worker acknowledges it, so an
        # empty stream means no job is waiting or held, here or elsewhere.
        idle_s = self._config.idle_exit_ms / 1000
        empty_since: float | None = None
        while not stop.wait(IDLE_POLL_S):
            if not self._produced.is_set() or stream.backlog() > 0:
                empty_since = None
            elif empty_since is None:
                empty_since = time.monotonic()
            elif time.monotonic() - empty_since >= idle_s:
                stop.set()

    def abort_after_drain(self, stop: threading.Event, abort: threading.Event) -> None:
        """Set ``abort`` --drain-ms after ``stop``, unless the run ended first;
        then give up settling what is left, which stays pending.

        The timer runs on a thread of its own, started here: a signal
        handler starting it could deadlock on a lock the thread it
        interrupted holds.
        """
        timing = threading.Thread(
            target=self._abort_at_deadline, args=(stop, abort), name="drain"
        )
        self._threads.append(timing)
        timing.start()

    def _abort_at_deadline(self, stop: threading.Event, abort: threading.Event) -> None:
        while not stop.wait(STOP_POLL_S):
            if self._closed.is_set():
                return  # ended without a stop: --jobs done, or --role producer
        if not self._closed.wait(self._config.drain_ms / 1000):
            abort.set()
            self._drained.set()
            if self._worker is not None:
                self._worker.interrupt()  # an acknowledgement may wait on a hung server

    def _abandoned(self, delivery: Delivery, error: str) -> None:
        assert delivery.claimed_from is not None
        self._recorder.claim(delivery.job, None, delivery.claimed_from)
        self._recorder.dead(delivery.job, error, delivery.deliveries - 1)

    def run(
        self, work: SimulatedWork, delivery: Delivery, worker: int, stop: Stop
    ) -> int:
        """Do the job of ``delivery`` on ``worker``, until ``stop``."""
        self._recorder.start(delivery.job, worker)
        payload = Payload.parse(delivery.payload)
        # The failure is the payload's: the producer's --fail-every chose it.
        replace(work, ms=payload.work_ms, fail_every=0).run(delivery.job, stop)
        return payload.result(delivery.job)

    def took(self, delivery: Delivery, worker: int) -> None:
        """Say that ``worker`` took ``delivery`` over from a dead worker, if so."""
        if delivery.claimed_from is not None:
            self._recorder.claim(delivery.job, worker, delivery.claimed_from)

    def settle(self, outcome: Outcome[Delivery, int]) -> None:
        """Acknowledge, retry, dead-letter, hand back or leave pending one job.

        Past the drain deadline it no longer waits for the server: the job
        is cancelled, left pending for another worker. Any error but the
        planned ones is a bug in the program: it is raised.
        """
        try:
            self._settle(outcome)
        except GaveUpError:
            self._recorder.cancel(outcome.job.job)

    def _settle(self, outcome: Outcome[Delivery, int]) -> None:
        assert self._worker is not None, "only a worker settles outcomes"
        delivery, error, recorder = outcome.job, outcome.error, self._recorder
        job, stream, deadline = delivery.job, self._worker, self._drained
        if error is None:
            result = outcome.result()
            if stream.ack(delivery, result, deadline=deadline):
                recorder.done(job, result)
            else:
                recorder.duplicate(job)
        elif isinstance(error, NotStartedError):
            stream.release(delivery, deadline=deadline)  # read ahead, never started
        elif isinstance(error, CancelledError):
            recorder.cancel(job)  # left pending: another worker claims it
        elif isinstance(error, InjectedFailureError | PayloadError):
            if stream.fail(delivery, str(error), deadline=deadline):
                recorder.dead(job, str(error), delivery.deliveries)
            else:
                recorder.fail(job, error)
        else:
            raise error

"""Producer-consumer: this process produces, --workers processes consume, --buffer."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterable, Iterator
from types import FrameType

from . import producer_consumer
from .harness import Recorder, parse_config
from .harness.program import (
    SimulatedJob,
    exit_program,
    record,
    unwind_for_the_gone_reader,
)
from .processes import Stop, kill_children, start_helper_processes


def produced(recorder: Recorder, jobs: Iterable[int]) -> Iterator[int]:
    """``jobs``, each announced (``produce``) as the producer takes it to the buffer."""
    for job in jobs:
        recorder.produce(job)
        yield job


def main() -> int:
    config = parse_config(
        pattern="producer-consumer",
        target="python-multiprocessing",
        description=__doc__,
        jobs=5,
        work_ms=500,
        work="cpu",
    )
    if config.jobs > 0:
        # Before the signal handlers: none may interrupt multiprocessing
        # while it starts its helpers, holding its locks.
        start_helper_processes(preload=[SimulatedJob.__module__])
    handle = SimulatedJob.from_config(config)  # before the recorder starts its clock
    recorder = Recorder(config, before_exit=unwind_for_the_gone_reader)
    stop = Stop()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():  # the second signal: children first, then exit 130
            kill_children()
            recorder.exit_now()
        else:
            stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    def taken(job: int, consumer: int, at: float) -> None:
        recorder.consume(job, consumer, at)
        recorder.start(job, at=at)

    outcomes = producer_consumer.run(
        produced(recorder, range(1, config.jobs + 1)),
        handle,
        workers=config.workers,
        buffer=config.buffer,
        stop=stop,
        on_start=taken,
    )
    try:
        for outcome in outcomes:
            record(recorder, outcome)
    except producer_consumer.ConsumerDiedError as error:
        print(error, file=sys.stderr)  # its job failed; the others were cancelled
    return recorder.finish(interrupted=stop.is_set())


if __name__ == "__main__":
    exit_program(main)

"""Producer-consumer: one producer, --workers consumers, a queue of --buffer.

Run it as ``python -m`` with the package name; ``--help`` lists the flags.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import closing
from types import FrameType
from typing import NoReturn

from . import producer_consumer
from .harness import Recorder, parse_config
from .harness.simulated import TARGET, SimulatedWork, report

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""Ctrl-C, and what service managers send."""


def main() -> NoReturn:
    config = parse_config(
        pattern="producer-consumer",
        target=TARGET,
        description=__doc__,
        jobs=5,
        work_ms=500,
    )
    work = SimulatedWork.for_config(config)  # before the run's clock starts
    recorder = Recorder(config)
    stop = threading.Event()

    def on_stop_signal(signum: int, frame: FrameType | None) -> None:
        # Python runs it in the main thread, between two bytecodes: it only
        # sets an event that thread reads and never waits on.
        if not stop.is_set():
            stop.set()  # the first: the producer stops, consumers end their jobs
        else:
            recorder.exit_now()  # the second: the summary, then exit 130

    for signum in STOP_SIGNALS:
        signal.signal(signum, on_stop_signal)

    def produce() -> Iterator[int]:
        for job in range(1, config.jobs + 1):
            recorder.produce(job)  # just before the producer puts it
            yield job

    def handle(job: int, consumer: int) -> int:
        recorder.consume(job, consumer)
        recorder.start(job)
        return work.run(job, stop)

    with closing(
        producer_consumer.run(
            produce(), handle, workers=config.workers, buffer=config.buffer, stop=stop
        )
    ) as outcomes:
        for outcome in outcomes:
            report(recorder, outcome)
    recorder.cancel_unfinished()  # a job a stop caught the producer producing
    code = recorder.finish(interrupted=stop.is_set())
    for signum in STOP_SIGNALS:
        # Over: a late Ctrl-C, once Python has put back its default handler
        # on the way out, would kill the process instead of this exit code.
        signal.signal(signum, signal.SIG_IGN)
    sys.exit(code)


if __name__ == "__main__":
    main()

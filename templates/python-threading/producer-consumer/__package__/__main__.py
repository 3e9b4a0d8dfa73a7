"""Producer-consumer: one producer, --workers consumers, a queue of --buffer.

Run it as ``python -m`` with the package name; ``--help`` lists the flags.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import closing
from typing import NoReturn

from . import producer_consumer
from .harness import Recorder, StopSignals, parse_config
from .harness.simulated import TARGET, SimulatedWork, report


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
    # The first SIGINT or SIGTERM sets stop: the producer stops, consumers
    # end their jobs. A second one exits at once with 130.
    stop = threading.Event()
    signals = StopSignals(recorder, lambda _signum: stop.set())
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signals.handle)

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
    signals.exit_with(recorder.finish(interrupted=signals.received))


if __name__ == "__main__":
    main()

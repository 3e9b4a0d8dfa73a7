"""Fan-out: start every job at once, each on its own thread, and wait for all.

Run it as ``python -m`` with the package name; ``--help`` lists the flags.
"""

from __future__ import annotations

import signal
import threading
from contextlib import closing
from typing import NoReturn

from . import fan_out
from .harness import Recorder, StopSignals, parse_config
from .harness.simulated import TARGET, SimulatedWork, report


def main() -> NoReturn:
    config = parse_config(
        pattern="fan-out", target=TARGET, description=__doc__, jobs=3, work_ms=1000
    )
    work = SimulatedWork.for_config(config)  # before the run's clock starts
    recorder = Recorder(config)
    # The first SIGINT or SIGTERM sets stop and the jobs end; a second one
    # exits at once with 130.
    stop = threading.Event()
    signals = StopSignals(recorder, lambda _signum: stop.set())
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signals.handle)

    def handle(job: int) -> int:
        recorder.start(job)
        return work.run(job, stop)

    jobs = range(1, config.jobs + 1)
    for job in jobs:
        recorder.submit(job)
    every_job_at_once = max(1, len(jobs))
    with closing(
        fan_out.run(jobs, handle, workers=every_job_at_once, stop=stop)
    ) as outcomes:
        for outcome in outcomes:
            report(recorder, outcome)
    recorder.cancel_unfinished()  # the jobs a stop left unread
    signals.exit_with(recorder.finish(interrupted=signals.received))


if __name__ == "__main__":
    main()

"""Worker pool: --workers threads run --jobs jobs and every result is collected.

Run it as ``python -m`` with the package name; ``--help`` lists the flags.
"""

from __future__ import annotations

import signal
import threading
from contextlib import closing
from typing import NoReturn

from . import worker_pool
from .harness import Recorder, StopSignals, parse_config
from .harness.simulated import TARGET, SimulatedWork, report


def main() -> NoReturn:
    config = parse_config(
        pattern="worker-pool", target=TARGET, description=__doc__, jobs=5, work_ms=500
    )
    work = SimulatedWork.for_config(config)  # before the run's clock starts
    recorder = Recorder(config)
    # The first SIGINT or SIGTERM sets stop: running jobs end, no other
    # starts. A second one exits at once with 130.
    stop = threading.Event()
    signals = StopSignals(recorder, lambda _signum: stop.set())
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signals.handle)

    def handle(job: int, worker: int) -> int:
        recorder.start(job, worker)
        return work.run(job, stop)

    jobs = range(1, config.jobs + 1)
    for job in jobs:
        recorder.submit(job)
    with closing(
        worker_pool.run(jobs, handle, workers=config.workers, stop=stop)
    ) as outcomes:
        for outcome in outcomes:
            report(recorder, outcome)
    recorder.cancel_unfinished()  # the jobs a stop left unread
    signals.exit_with(recorder.finish(interrupted=signals.received))


if __name__ == "__main__":
    main()

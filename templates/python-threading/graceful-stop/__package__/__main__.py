"""Graceful stop: --workers workers serve jobs until SIGTERM or Ctrl-C.

The first signal stops intake and lets the jobs in flight finish, for up to
--drain-ms; the second exits at once. With --jobs N > 0 the service ends by
itself after N jobs. Run it as ``python -m`` with the package name;
``--help`` lists the flags.
"""

from __future__ import annotations

import itertools
import signal
import threading
from collections.abc import Iterable
from contextlib import closing
from typing import NoReturn

from . import graceful_stop
from .harness import Recorder, StopSignals, parse_config
from .harness.simulated import TARGET, SimulatedWork, report
from .workers import NotStartedError


def main() -> NoReturn:
    config = parse_config(
        pattern="graceful-stop", target=TARGET, description=__doc__, jobs=0, work_ms=500
    )
    work = SimulatedWork.for_config(config)  # before the run's clock starts
    recorder = Recorder(config)
    # The first SIGINT or SIGTERM sets stop: intake ends, jobs in flight
    # drain. A second one exits at once with 130. The handler only sets an
    # event and writes a line: the main thread never waits on that event.
    stop, abort = threading.Event(), threading.Event()

    def stop_intake(signum: int) -> None:
        stop.set()
        recorder.stopping(signum)

    signals = StopSignals(recorder, stop_intake)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signals.handle)
    recorder.ready()

    def handle(job: int, worker: int) -> int:
        recorder.submit(job)  # a job counts once a worker takes it
        recorder.start(job, worker)
        return work.run(job, abort)

    endless = config.jobs == 0
    jobs: Iterable[int] = itertools.count(1) if endless else range(1, config.jobs + 1)
    served = graceful_stop.run(
        jobs,
        handle,
        workers=config.workers,
        stop=stop,
        drain=config.drain_ms / 1000,
        abort=abort,
    )
    with closing(served) as outcomes:
        for outcome in outcomes:
            # A job read ahead at the stop was never submitted: a clean
            # stop must exit 0, and this source only counts, so nothing is
            # lost by skipping it.
            if not isinstance(outcome.error, NotStartedError):
                report(recorder, outcome)
    signals.exit_with(recorder.finish())


if __name__ == "__main__":
    main()

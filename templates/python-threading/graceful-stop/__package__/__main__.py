"""Graceful stop: --workers workers serve jobs until SIGTERM or Ctrl-C.

The first signal stops intake and lets the jobs in flight finish, for up to
--drain-ms; the second exits at once. With --jobs N > 0 the service ends by
itself after N jobs. Run it as ``python -m`` with the package name;
``--help`` lists the flags.
"""

from __future__ import annotations

import itertools
import signal
import sys
import threading
from collections.abc import Iterable
from contextlib import closing
from types import FrameType
from typing import NoReturn

from . import graceful_stop
from .harness import Recorder, parse_config
from .harness.simulated import TARGET, SimulatedWork, report
from .workers import NotStartedError

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""Ctrl-C, and what service managers send."""


def main() -> NoReturn:
    config = parse_config(
        pattern="graceful-stop", target=TARGET, description=__doc__, jobs=0, work_ms=500
    )
    work = SimulatedWork.for_config(config)  # before the run's clock starts
    recorder = Recorder(config)
    stop, abort = threading.Event(), threading.Event()

    def on_stop_signal(signum: int, frame: FrameType | None) -> None:
        # Python runs it in the main thread, between two bytecodes: it only
        # sets an event that thread reads and never waits on, and writes a
        # line.
        if not stop.is_set():
            stop.set()  # the first: intake ends, the jobs in flight drain
            recorder.stopping(signum)
        else:
            recorder.exit_now()  # the second: the summary, then exit 130

    for signum in STOP_SIGNALS:
        signal.signal(signum, on_stop_signal)
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
            if isinstance(outcome.error, NotStartedError):
                # Read ahead at the stop, never started. A real source must
                # get it back here: re-queue it (nack it to the broker) or
                # refuse it to its sender. This one only counts, so nothing
                # is lost, and the job was never submitted.
                continue
            report(recorder, outcome)
    code = recorder.finish()
    for signum in STOP_SIGNALS:
        # Over: a late Ctrl-C, once Python has put back its default handler
        # on the way out, would kill the process instead of this exit code.
        signal.signal(signum, signal.SIG_IGN)
    sys.exit(code)


if __name__ == "__main__":
    main()

"""Graceful stop: --workers workers serve jobs until SIGTERM or Ctrl-C.

The first signal stops intake and lets the jobs in flight finish, for up to
--drain-ms; the second exits at once. With --jobs N > 0 the service ends by
itself after N jobs. Run it as ``python -m`` with the package name;
``--help`` lists the flags.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable
from typing import NoReturn

from .harness import Recorder, StopSignals, parse_config
from .runtime import TARGET, SimulatedWork, block_stop_signals, run_job
from .service import Service


def main() -> NoReturn:
    """Serve jobs until the source ends or a signal stops the service."""
    config = parse_config(
        pattern="graceful-stop", target=TARGET, description=__doc__, jobs=0, work_ms=500
    )
    work = SimulatedWork.for_config(config)  # before the run's clock starts
    recorder = Recorder(config)

    def handle(job: int, worker: int, abort: threading.Event) -> None:
        recorder.submit(job)  # taken from the source
        run_job(
            recorder,
            job,
            work=work,
            stop=abort,
            fail_every=config.fail_every,
            worker=worker,
        )

    # A job counts as submitted when a worker takes it (handle, above). The
    # few the service read ahead and never started at a stop were never
    # submitted, so no on_unstarted here: reporting them as cancelled would
    # turn every clean stop into exit 1, against the contract's exit 0; and
    # this source only counts, so skipping a number loses no work.
    endless = config.jobs == 0
    jobs: Iterable[int] = itertools.count(1) if endless else range(1, config.jobs + 1)
    service = Service(
        handle, jobs, workers=config.workers, initializer=block_stop_signals
    )

    def stop_intake(signum: int) -> None:
        service.stop()
        recorder.stopping(signum)

    stop = StopSignals(recorder, stop_intake)
    stop.install()
    recorder.ready()
    service.serve(drain_seconds=config.drain_ms / 1000)
    # A job taken just as the drain ended may not have started: report it.
    recorder.cancel_unfinished()
    stop.exit_with(recorder.finish())


if __name__ == "__main__":
    main()

"""Graceful stop: --workers processes take jobs until SIGINT or SIGTERM, then drain."""

from __future__ import annotations

import itertools
import signal
from collections.abc import Iterator
from types import FrameType

from . import graceful_stop
from .harness import Recorder, parse_config
from .harness.program import (
    SimulatedJob,
    exit_program,
    record,
    unwind_for_the_gone_reader,
)
from .processes import Stop, kill_children, start_helper_processes


def submitted(recorder: Recorder, jobs: int) -> Iterator[int]:
    """Job ids 1, 2, ... (up to ``jobs`` when > 0), each submitted as it is taken."""
    for job in itertools.count(1) if jobs == 0 else range(1, jobs + 1):
        recorder.submit(job)
        yield job


def main() -> int:
    config = parse_config(
        pattern="graceful-stop",
        target="python-multiprocessing",
        description=__doc__,
        jobs=0,
        work_ms=500,
        work="cpu",
    )
    # Before the signal handlers: none may interrupt multiprocessing while
    # it starts its helpers, holding its locks.
    start_helper_processes(preload=[SimulatedJob.__module__])
    handle = SimulatedJob.from_config(config)  # before the recorder starts its clock
    recorder = Recorder(config, before_exit=unwind_for_the_gone_reader)
    stop = Stop()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():  # the second signal: children first, then exit 130
            kill_children()
            recorder.exit_now()
        else:
            recorder.stopping(signum)
            stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    recorder.ready()

    outcomes = graceful_stop.run(
        submitted(recorder, config.jobs),
        handle,
        workers=config.workers,
        stop=stop,
        drain=config.drain_ms / 1000,
        on_start=recorder.start,
    )
    for outcome in outcomes:
        record(recorder, outcome)  # a job stopped at the drain deadline: cancel
    return recorder.finish()  # a graceful stop is a normal end, not an interruption


if __name__ == "__main__":
    exit_program(main)

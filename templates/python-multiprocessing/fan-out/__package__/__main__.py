"""Fan-out: starts all --jobs jobs at once and waits for all; each runs in a process."""

from __future__ import annotations

import signal
from types import FrameType

from . import fan_out
from .harness import Recorder, parse_config
from .harness.program import (
    SimulatedJob,
    exit_program,
    record,
    unwind_for_the_gone_reader,
)
from .processes import Stop, kill_children, start_helper_processes


def main() -> int:
    config = parse_config(
        pattern="fan-out",
        target="python-multiprocessing",
        description=__doc__,
        jobs=3,
        work_ms=1000,
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

    jobs = range(1, config.jobs + 1)
    for job in jobs:
        recorder.submit(job)
    # CPU work gets one process per core; jobs that wait, up to 64 at once.
    cpu = config.work == "cpu"
    processes = fan_out.usable_cores() if cpu else fan_out.IO_PROCESS_LIMIT
    outcomes = fan_out.run(
        jobs,
        handle,
        workers=processes,
        stop=stop,
        on_start=lambda job, _process, at: recorder.start(job, at=at),
    )
    for outcome in outcomes:
        record(recorder, outcome)
    if stop.is_set():
        recorder.cancel_unfinished()  # the jobs never started
    return recorder.finish(interrupted=stop.is_set())


if __name__ == "__main__":
    exit_program(main)

"""Graceful stop: --workers processes take jobs until SIGINT or SIGTERM, then drain."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from .graceful_stop import serve
from .harness import Recorder, parse_config
from .runtime import TARGET, Program, run_program


def endless_or_first(jobs: int, recorder: Recorder) -> Iterator[int]:
    """Job ids 1, 2, ... (up to ``jobs`` when > 0), each submitted as it is taken."""
    ids = itertools.count(1) if jobs == 0 else iter(range(1, jobs + 1))
    for job in ids:
        recorder.submit(job)
        yield job


def run_service(program: Program) -> bool:
    config = program.config
    # An endless source keeps every worker busy; N jobs need N at most.
    workers = config.workers if config.jobs == 0 else min(config.workers, config.jobs)
    serve(
        program.job,
        endless_or_first(config.jobs, program.recorder),
        workers=workers,
        drain_s=config.drain_ms / 1000,
        events=program.recorder,
        stop=program.stop,
    )
    return True  # a graceful stop is a normal end, not an interruption


if __name__ == "__main__":
    run_program(
        parse_config(
            pattern="graceful-stop",
            target=TARGET,
            description=__doc__,
            jobs=0,
            work_ms=500,
            work="cpu",
        ),
        run_service,
        graceful=True,
    )

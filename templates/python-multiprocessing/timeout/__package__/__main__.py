"""Timeout: runs --jobs operations, --workers at once, each under --timeout-ms."""

from __future__ import annotations

from .harness import parse_config
from .runtime import TARGET, Program, run_program
from .timeout import run_with_deadlines


def run_jobs(program: Program) -> bool:
    config, recorder = program.config, program.recorder
    jobs = range(1, config.jobs + 1)
    for job in jobs:
        recorder.submit(job)
    return run_with_deadlines(
        program.job,
        jobs,
        workers=config.workers,
        timeout_s=config.timeout_ms / 1000,
        events=recorder,
        stop=program.stop,
    )


if __name__ == "__main__":
    run_program(
        parse_config(
            pattern="timeout",
            target=TARGET,
            description=__doc__,
            jobs=1,
            work_ms=2000,
            work="cpu",
        ),
        run_jobs,
    )

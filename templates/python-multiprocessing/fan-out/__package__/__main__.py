"""Fan-out: starts all --jobs jobs at once and waits for all; each runs in a process."""

from __future__ import annotations

from .fan_out import fan_out, process_limit
from .harness import parse_config
from .runtime import TARGET, Program, run_program


def run_jobs(program: Program) -> bool:
    jobs = range(1, program.config.jobs + 1)
    for job in jobs:
        program.recorder.submit(job)
    return fan_out(
        program.job,
        jobs,
        events=program.recorder,
        stop=program.stop,
        max_processes=process_limit(program.config.work),
    )


if __name__ == "__main__":
    run_program(
        parse_config(
            pattern="fan-out",
            target=TARGET,
            description=__doc__,
            jobs=3,
            work_ms=1000,
            work="cpu",
        ),
        run_jobs,
    )

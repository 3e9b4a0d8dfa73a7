"""Worker pool: --workers processes share out --jobs jobs and collect every result."""

from __future__ import annotations

from .harness import parse_config
from .runtime import TARGET, Program, run_program
from .worker_pool import run_worker_pool


def run_jobs(program: Program) -> bool:
    config, recorder = program.config, program.recorder
    jobs = range(1, config.jobs + 1)
    for job in jobs:
        recorder.submit(job)
    return run_worker_pool(
        program.job, jobs, workers=config.workers, events=recorder, stop=program.stop
    )


if __name__ == "__main__":
    run_program(
        parse_config(
            pattern="worker-pool",
            target=TARGET,
            description=__doc__,
            jobs=5,
            work_ms=500,
            work="cpu",
        ),
        run_jobs,
    )

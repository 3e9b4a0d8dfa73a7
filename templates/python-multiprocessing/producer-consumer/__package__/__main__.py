"""Producer-consumer: one producer, --workers consumers, a buffer of --buffer jobs."""

from __future__ import annotations

from .harness import parse_config
from .producer_consumer import produce_and_consume
from .runtime import TARGET, Program, run_program


def run_jobs(program: Program) -> bool:
    config = program.config
    return produce_and_consume(
        program.job,
        config.jobs,
        consumers=config.workers,
        buffer_size=config.buffer,
        events=program.recorder,
        stop=program.stop,
    )


if __name__ == "__main__":
    run_program(
        parse_config(
            pattern="producer-consumer",
            target=TARGET,
            description=__doc__,
            jobs=5,
            work_ms=500,
            work="cpu",
        ),
        run_jobs,
    )

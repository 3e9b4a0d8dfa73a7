"""Producer-consumer: a producer feeds a bounded buffer that consumers drain."""

from __future__ import annotations

from collections.abc import Iterator

from .harness import parse_config
from .producer_consumer import produce_consume
from .runtime import TARGET, Jobs, run_until_cancelled


async def main(jobs: Jobs) -> None:
    """Produce jobs 1..N into a buffer of --buffer for --workers consumers."""

    def produce() -> Iterator[int]:
        for job in jobs.ids():
            # The producer asks for the next item just before offering it.
            jobs.recorder.produce(job)
            yield job

    async def consume(consumer: int, job: int) -> None:
        jobs.recorder.consume(job, consumer)
        await jobs.run(job)  # on the consumer that took it

    # Each item reports its own end as it happens (jobs.run), so the
    # failures produce_consume returns are already on screen.
    await produce_consume(
        produce(), consume, consumers=jobs.config.workers, buffer=jobs.config.buffer
    )


if __name__ == "__main__":
    config = parse_config(
        pattern="producer-consumer",
        target=TARGET,
        description=__doc__,
        jobs=5,
        work_ms=500,
    )
    jobs = Jobs.start(config)
    run_until_cancelled(jobs, main(jobs))

"""Producer-consumer: one producer, --workers consumers, a queue of --buffer.

Run it as ``python -m`` with the package name; ``--help`` lists the flags.
"""

from __future__ import annotations

from collections.abc import Iterator

from .harness import parse_config
from .pipeline import produce_and_consume
from .runtime import TARGET, Run, block_stop_signals, run_cancellable


def produce_and_consume_jobs(run: Run) -> None:
    def produce() -> Iterator[int]:
        for job in range(1, run.config.jobs + 1):
            # Just before the producer offers the job to the queue.
            run.recorder.produce(job)
            yield job

    def consume(job: int, consumer: int) -> None:
        run.recorder.consume(job, consumer)
        run.process(job)  # on the consumer that took it

    produce_and_consume(
        produce(),
        consume,
        consumers=run.config.workers,
        capacity=run.config.buffer,
        cancel=run.cancel,
        initializer=block_stop_signals,
    )


if __name__ == "__main__":
    config = parse_config(
        pattern="producer-consumer",
        target=TARGET,
        description=__doc__,
        jobs=5,
        work_ms=500,
    )
    run_cancellable(config, produce_and_consume_jobs)

"""Producer-consumer across machines: a Redis stream is the buffer, --workers consume.

--role producer appends --jobs jobs to the stream, never more than --buffer
waiting in it; --role worker consumes them; --role both does both. The
first signal stops intake and lets the jobs taken finish, for up to
--drain-ms; the second exits at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import producer_consumer
from .harness import parse_config
from .harness.broker import Outcomes, PayloadJob, Stops, serve
from .harness.program import exit_program
from .processes import OnStart
from .redis_stream import Delivery


def main() -> int:
    config = parse_config(
        pattern="producer-consumer",
        target="python-multiprocessing",
        description=__doc__,
        jobs=5,
        work_ms=500,
        # io by default: a job then lasts its --work-ms on a busy machine,
        # which --claim-idle-ms and --drain-ms are measured against; cpu
        # work stretches with the load.
        work="io",
    )

    def consumers(
        jobs: Iterable[Delivery],
        handle: PayloadJob,
        on_start: OnStart[Delivery],
        stops: Stops,
    ) -> Outcomes:
        # The stream is the buffer: the stream reads only for an idle
        # consumer, so the queue of one between this process and its
        # consumers never holds a job for a busy one, and a job nobody
        # started is still in the stream for any worker when a stop comes.
        # The consumers end because their source has, once the jobs taken
        # have finished; at the drain deadline their own stop kills what
        # still runs: cancelled, not acknowledged, so pending for another.
        return producer_consumer.run(
            jobs,
            handle,
            workers=config.workers,
            buffer=1,
            stop=stops.deadline,
            on_start=on_start,
        )

    # A dead consumer may have left the queue's lock held: the component
    # ends, failing its job and cancelling the others, and so does the run.
    died = producer_consumer.ConsumerDiedError
    return serve(config, consumers, consumes=True, ends_on=died)


if __name__ == "__main__":
    exit_program(main)

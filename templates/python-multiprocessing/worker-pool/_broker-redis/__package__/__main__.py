"""Worker pool across machines: --workers processes run the jobs of a Redis stream.

--role producer appends --jobs jobs to the stream, --role worker runs them,
--role both does both. The first signal stops intake and lets the jobs in
flight finish, for up to --drain-ms; the second exits at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import worker_pool
from .harness import parse_config
from .harness.broker import Outcomes, PayloadJob, Stops, serve
from .harness.program import exit_program
from .processes import OnStart
from .redis_stream import Delivery


def main() -> int:
    config = parse_config(
        pattern="worker-pool",
        target="python-multiprocessing",
        description=__doc__,
        jobs=5,
        work_ms=500,
        # io by default: a job then lasts its --work-ms on a busy machine,
        # which --claim-idle-ms and --drain-ms are measured against; cpu
        # work stretches with the load.
        work="io",
    )

    def pool(
        jobs: Iterable[Delivery],
        handle: PayloadJob,
        on_start: OnStart[Delivery],
        stops: Stops,
    ) -> Outcomes:
        # The pool ends because its source has, once the jobs in flight have
        # finished; only at the drain deadline does its own stop kill what
        # still runs: cancelled, not acknowledged, so pending for another.
        return worker_pool.run(
            jobs,
            handle,
            workers=config.workers,
            stop=stops.deadline,
            on_start=on_start,
        )

    return serve(config, pool)


if __name__ == "__main__":
    exit_program(main)

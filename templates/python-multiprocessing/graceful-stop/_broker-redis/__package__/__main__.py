"""Graceful stop across machines: --workers processes take a Redis stream's jobs
until SIGINT or SIGTERM, then drain and acknowledge what they hold.

--role producer appends --jobs jobs to the stream (0: until stopped),
--role worker serves them, --role both does both.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import graceful_stop
from .harness import parse_config
from .harness.broker import Outcomes, PayloadJob, Stops, serve
from .harness.program import exit_program
from .processes import OnStart
from .redis_stream import Delivery


def main() -> int:
    config = parse_config(
        pattern="graceful-stop",
        target="python-multiprocessing",
        description=__doc__,
        jobs=0,
        work_ms=500,
        # io by default: a job then lasts its --work-ms on a busy machine,
        # which --claim-idle-ms and --drain-ms are measured against; cpu
        # work stretches with the load.
        work="io",
    )

    def served(
        jobs: Iterable[Delivery],
        handle: PayloadJob,
        on_start: OnStart[Delivery],
        stops: Stops,
    ) -> Outcomes:
        # The component drains on the signal and ends the jobs at the drain
        # deadline: each job drained is acknowledged as it ends; one cut off
        # stays pending (exit 1).
        return graceful_stop.run(
            jobs,
            handle,
            workers=config.workers,
            stop=stops.signalled,
            drain=config.drain_ms / 1000,
            on_start=on_start,
        )

    return serve(config, served)


if __name__ == "__main__":
    exit_program(main)

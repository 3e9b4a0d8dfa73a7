"""Producer-consumer across machines: a Redis stream feeds a bounded buffer
that --workers consumers drain.

--role producer appends --jobs jobs to the stream (its backlog bounded by
--buffer), --role worker consumes them, --role both does both. Run it as
``python -m`` with the package name; ``--help`` lists the flags.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncGenerator

from . import producer_consumer
from .harness import Config, parse_config
from .harness.broker import Broker, serve
from .harness.simulated import SimulatedWork
from .outcome import Outcome
from .redis_stream import Delivery


async def main(config: Config, work: SimulatedWork) -> int:
    """Produce, or consume the stream's jobs through ``--buffer`` slots, or both."""

    def run_buffered(
        broker: Broker, jobs: AsyncGenerator[Delivery, None], stop: asyncio.Event
    ) -> AsyncGenerator[Outcome[Delivery, int], None]:
        async def consume(delivery: Delivery, consumer: int) -> int:
            if stop.is_set():
                # Still in the buffer when the stop came: handed back, unstarted.
                raise asyncio.CancelledError
            return await broker.run(delivery, consumer, consumed=True)

        return producer_consumer.run(
            jobs, consume, workers=config.workers, buffer=config.buffer
        )

    return await serve(config, work, run_buffered)


if __name__ == "__main__":
    config = parse_config(
        pattern="producer-consumer",
        target="python-asyncio",
        description=__doc__,
        jobs=5,
        work_ms=500,
    )
    sys.exit(asyncio.run(main(config, SimulatedWork(config))))

"""Worker pool across machines: --workers jobs of a Redis stream at once.

--role producer appends --jobs jobs to the stream, --role worker runs them,
--role both does both. Run it as ``python -m`` with the package name;
``--help`` lists the flags.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncGenerator

from . import worker_pool
from .harness import Config, parse_config
from .harness.broker import Broker, serve
from .harness.simulated import SimulatedWork
from .outcome import Outcome
from .redis_stream import Delivery


async def main(config: Config, work: SimulatedWork) -> int:
    """Produce, or run the stream's jobs on ``--workers`` workers, or both."""

    def run_pool(
        broker: Broker, jobs: AsyncGenerator[Delivery, None], stop: asyncio.Event
    ) -> AsyncGenerator[Outcome[Delivery, int], None]:
        return worker_pool.run(jobs, broker.run, workers=config.workers, stop=stop)

    return await serve(config, work, run_pool)


if __name__ == "__main__":
    config = parse_config(
        pattern="worker-pool",
        target="python-asyncio",
        description=__doc__,
        jobs=5,
        work_ms=500,
    )
    sys.exit(asyncio.run(main(config, SimulatedWork(config))))

"""Graceful stop across machines: a worker of a Redis stream that drains the
jobs it holds on SIGTERM or Ctrl-C.

--role producer appends --jobs jobs to the stream (0: until a signal),
--role worker serves them, --role both does both. Run it as ``python -m``
with the package name; ``--help`` lists the flags.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncGenerator

from . import graceful_stop
from .harness import Config, parse_config
from .harness.broker import Broker, serve
from .harness.simulated import SimulatedWork
from .outcome import Outcome
from .redis_stream import Delivery


async def main(config: Config, work: SimulatedWork) -> int:
    """Serve the stream's jobs until a signal stops intake, then drain."""

    def run_service(
        broker: Broker, jobs: AsyncGenerator[Delivery, None], stop: asyncio.Event
    ) -> AsyncGenerator[Outcome[Delivery, int], None]:
        # It cancels the jobs at the drain deadline itself; the broker then
        # also stops waiting to settle them with a hung server.
        drain_s = config.drain_ms / 1000
        return graceful_stop.run(
            jobs, broker.run, workers=config.workers, stop=stop, drain=drain_s
        )

    return await serve(config, work, run_service)


if __name__ == "__main__":
    config = parse_config(
        pattern="graceful-stop",
        target="python-asyncio",
        description=__doc__,
        jobs=0,
        work_ms=500,
    )
    sys.exit(asyncio.run(main(config, SimulatedWork(config))))

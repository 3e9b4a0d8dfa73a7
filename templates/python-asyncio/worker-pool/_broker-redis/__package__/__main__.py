"""Worker pool across machines: --workers jobs of a Redis stream at once.

--role producer appends --jobs jobs to the stream, --role worker runs them,
--role both does both. Run it as ``python -m`` with the package name;
``--help`` lists the flags.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from contextlib import aclosing

from . import worker_pool
from .harness import Config, Recorder, parse_config
from .harness.broker import Broker
from .harness.simulated import SimulatedWork
from .redis_stream import Delivery, UnreachableError

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)  # Ctrl-C, and a service manager's stop


async def main(config: Config, work: SimulatedWork) -> int:
    """Produce, or run the stream's jobs on ``--workers`` workers, or both."""
    recorder = Recorder(config)
    try:
        broker = await Broker.open(config, recorder)
    except UnreachableError as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        return 1
    stop = asyncio.Event()

    def on_stop_signal() -> None:
        # Called on the loop, between two steps of its tasks, not in the
        # middle of one: it may touch anything the tasks touch.
        if not stop.is_set():
            stop.set()  # the first: no job starts, running ones are cancelled
            broker.cancel_in_flight()
        else:
            recorder.exit_now()  # the second: the summary, then exit 130

    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, on_stop_signal)

    async def handle(delivery: Delivery, worker: int) -> int:
        broker.took(delivery, worker)
        return await broker.run(work, delivery, worker)

    try:
        async with broker:
            await broker.start_producing(stop)
            if broker.works:
                jobs = broker.deliveries(stop)
                pool = worker_pool.run(jobs, handle, workers=config.workers, stop=stop)
                async with aclosing(jobs), aclosing(pool) as outcomes:
                    async for outcome in outcomes:
                        await broker.settle(outcome)
    finally:
        for signum in STOP_SIGNALS:  # the run is over: no signal changes its end
            loop.remove_signal_handler(signum)
            signal.signal(signum, signal.SIG_IGN)
    return recorder.finish()  # a cancelled job is pending, not lost: exit 1


if __name__ == "__main__":
    config = parse_config(
        pattern="worker-pool",
        target="python-asyncio",
        description=__doc__,
        jobs=5,
        work_ms=500,
    )
    sys.exit(asyncio.run(main(config, SimulatedWork(config))))

"""Producer-consumer across machines: a Redis stream feeds a bounded buffer
that --workers consumers drain.

--role producer appends --jobs jobs to the stream (its backlog bounded by
--buffer), --role worker consumes them, --role both does both. Run it as
``python -m`` with the package name; ``--help`` lists the flags.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from contextlib import aclosing

from . import producer_consumer
from .harness import Config, Recorder, parse_config
from .harness.broker import Broker
from .harness.simulated import SimulatedWork
from .redis_stream import Delivery, UnreachableError

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)  # Ctrl-C, and a service manager's stop


async def main(config: Config, work: SimulatedWork) -> int:
    """Produce, or consume the stream's jobs through ``--buffer`` slots, or both."""
    recorder = Recorder(config)
    try:
        broker = await Broker.open(config, recorder)
    except UnreachableError as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    drain_deadline: asyncio.TimerHandle | None = None

    def on_stop_signal(signum: int) -> None:
        # Called on the loop, between two steps of its tasks, not in the
        # middle of one: it may touch anything the tasks touch.
        nonlocal drain_deadline
        if not stop.is_set():
            recorder.stopping(signum)
            stop.set()  # the first: intake stops, the jobs in flight drain
            # What still runs at the deadline is cancelled, not acknowledged:
            # it stays pending in the stream, for another worker to claim.
            drain_s = config.drain_ms / 1000
            drain_deadline = loop.call_later(drain_s, broker.cancel_in_flight)
        else:
            recorder.exit_now()  # the second: the summary, then exit 130

    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, on_stop_signal, signum)
    recorder.ready()

    async def consume(delivery: Delivery, consumer: int) -> int:
        if stop.is_set():
            # Still in the buffer when the stop came: handed back, unstarted.
            raise asyncio.CancelledError
        broker.took(delivery, consumer)
        recorder.consume(delivery.job, consumer)
        return await broker.run(work, delivery, consumer)

    try:
        async with broker:
            await broker.start_producing(stop)
            if broker.works:
                jobs = broker.deliveries(stop)
                buffered = producer_consumer.run(
                    jobs, consume, workers=config.workers, buffer=config.buffer
                )
                async with aclosing(jobs), aclosing(buffered) as outcomes:
                    async for outcome in outcomes:
                        await broker.settle(outcome)
    finally:
        if drain_deadline is not None:
            drain_deadline.cancel()  # every job has ended: nothing to cancel
        for signum in STOP_SIGNALS:  # the run is over: no signal changes its end
            loop.remove_signal_handler(signum)
            signal.signal(signum, signal.SIG_IGN)
    return recorder.finish()  # a cancelled job is pending, not lost: exit 1


if __name__ == "__main__":
    config = parse_config(
        pattern="producer-consumer",
        target="python-asyncio",
        description=__doc__,
        jobs=5,
        work_ms=500,
    )
    sys.exit(asyncio.run(main(config, SimulatedWork(config))))

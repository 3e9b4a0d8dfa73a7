"""Graceful stop across machines: a worker of a Redis stream that drains the
jobs it holds on SIGTERM or Ctrl-C.

--role producer appends --jobs jobs to the stream (0: until a signal),
--role worker serves them, --role both does both. Run it as ``python -m``
with the package name; ``--help`` lists the flags.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from contextlib import aclosing

from . import graceful_stop
from .harness import Config, Recorder, parse_config
from .harness.broker import Broker
from .harness.simulated import SimulatedWork
from .redis_stream import Delivery, UnreachableError

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)  # Ctrl-C, and a service manager's stop


async def main(config: Config, work: SimulatedWork) -> int:
    """Serve the stream's jobs until a signal stops intake, then drain."""
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
            stop.set()  # the first: intake stops, the drain begins
            # The component cancels the jobs at the deadline; the broker
            # then also stops waiting to settle one with a hung server.
            drain_s = config.drain_ms / 1000
            drain_deadline = loop.call_later(drain_s, broker.cancel_in_flight)
        else:
            recorder.exit_now()  # the second: the summary, then exit 130

    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, on_stop_signal, signum)
    recorder.ready()

    async def handle(delivery: Delivery, worker: int) -> int:
        broker.took(delivery, worker)
        return await broker.run(work, delivery, worker)

    try:
        async with broker:
            await broker.start_producing(stop)
            if broker.works:
                jobs = broker.deliveries(stop)
                service = graceful_stop.run(
                    jobs,
                    handle,
                    workers=config.workers,
                    stop=stop,
                    drain=config.drain_ms / 1000,
                )
                async with aclosing(jobs), aclosing(service) as outcomes:
                    async for outcome in outcomes:
                        await broker.settle(outcome)
    finally:
        if drain_deadline is not None:
            drain_deadline.cancel()  # every job has ended: nothing to cancel
        for signum in STOP_SIGNALS:  # the run is over: no signal changes its end
            loop.remove_signal_handler(signum)
            signal.signal(signum, signal.SIG_IGN)
    return recorder.finish()  # cut short at the drain deadline: pending, exit 1


if __name__ == "__main__":
    config = parse_config(
        pattern="graceful-stop",
        target="python-asyncio",
        description=__doc__,
        jobs=0,
        work_ms=500,
    )
    sys.exit(asyncio.run(main(config, SimulatedWork(config))))

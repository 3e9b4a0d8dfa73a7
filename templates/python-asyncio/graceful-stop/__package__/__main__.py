"""Graceful stop: a service that drains in-flight work on SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import signal
import sys
from contextlib import aclosing

from . import graceful_stop
from .harness import STOP_SIGNALS, Config, Recorder, StopSignals, parse_config
from .harness.simulated import SimulatedWork


async def main(config: Config, work: SimulatedWork) -> int:
    """Serve jobs until they run out or a signal stops intake, then drain."""
    recorder = Recorder(config)
    stop = asyncio.Event()

    def stop_intake(signum: int) -> None:
        recorder.stopping(signum)
        stop.set()

    # The first SIGINT or SIGTERM stops intake and starts the drain; a second
    # one exits at once with 130.
    loop, signals = asyncio.get_running_loop(), StopSignals(recorder, stop_intake)
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, signals.handle, signum)
    recorder.ready()

    async def handle(job: int, worker: int) -> int:
        recorder.start(job, worker)
        return await work.run(job)

    service = graceful_stop.run(
        work.jobs(on_read=recorder.submit),
        handle,
        workers=config.workers,
        stop=stop,
        drain=config.drain_ms / 1000,
    )
    async with aclosing(service) as outcomes:
        async for outcome in outcomes:
            if outcome.error is None:
                recorder.done(outcome.job, outcome.result())
            elif isinstance(outcome.error, asyncio.CancelledError):
                recorder.cancel(outcome.job)  # cut short by the drain deadline
            else:
                recorder.fail(outcome.job, outcome.error)
    for signum in STOP_SIGNALS:  # the run is over: no signal changes its end
        loop.remove_signal_handler(signum)
        signal.signal(signum, signal.SIG_IGN)
    return recorder.finish()


if __name__ == "__main__":
    config = parse_config(
        pattern="graceful-stop",
        target="python-asyncio",
        description=__doc__,
        jobs=0,
        work_ms=500,
    )
    sys.exit(asyncio.run(main(config, SimulatedWork(config))))

"""Graceful stop: a service that drains in-flight work on SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import signal
import sys
from contextlib import aclosing

from . import graceful_stop
from .harness import STOP_SIGNALS, StopSignals, parse_config
from .harness.simulation import Simulation


async def main(program: Simulation) -> int:
    """Serve jobs until they run out or a signal stops intake, then drain."""
    stop = asyncio.Event()

    def on_first_signal(signum: int) -> None:
        program.recorder.stopping(signum)
        stop.set()

    loop = asyncio.get_running_loop()
    signals = StopSignals(program.recorder, on_first_signal)
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, signals.handle, signum)
    program.recorder.ready()
    service = graceful_stop.run(
        program.jobs(on_read=program.recorder.submit),
        program.handle,
        workers=program.config.workers,
        stop=stop,
        drain=program.config.drain_ms / 1000,
    )
    async with aclosing(service) as outcomes:
        async for outcome in outcomes:
            if outcome.error is None:
                program.recorder.done(outcome.job, outcome.result())
            elif isinstance(outcome.error, asyncio.CancelledError):
                program.recorder.cancel(outcome.job)  # cut short by the drain
            else:
                program.recorder.fail(outcome.job, outcome.error)
    for signum in STOP_SIGNALS:  # the run is over: no signal changes its end
        loop.remove_signal_handler(signum)
        signal.signal(signum, signal.SIG_IGN)
    return program.finish()


if __name__ == "__main__":
    config = parse_config(
        pattern="graceful-stop",
        target="python-asyncio",
        description=__doc__,
        jobs=0,
        work_ms=500,
    )
    sys.exit(asyncio.run(main(Simulation(config))))

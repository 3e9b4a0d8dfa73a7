"""Graceful stop: a service that drains in-flight work on SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import sys
from contextlib import aclosing

from . import graceful_stop
from .harness import Config, Recorder, parse_config
from .harness.simulated import SimulatedWork
from .signals import stop_signals_handled


async def main(config: Config, work: SimulatedWork) -> int:
    """Serve jobs until they run out or a signal stops intake, then drain."""
    recorder = Recorder(config)
    stop = asyncio.Event()

    def on_stop_signal(signum: int) -> None:
        if not stop.is_set():
            recorder.stopping(signum)
            stop.set()  # the first: intake stops, the drain begins
        else:
            recorder.exit_now()  # the second: the summary, then exit 130

    with stop_signals_handled(on_stop_signal):
        recorder.ready()

        taken: set[int] = set()  # jobs a worker has started, until reported

        async def handle(job: int, worker: int) -> int:
            taken.add(job)
            recorder.submit(job)  # a job counts once a worker takes it
            recorder.start(job, worker)
            return await work.run(job)

        service = graceful_stop.run(
            work.jobs(),
            handle,
            workers=config.workers,
            stop=stop,
            drain=config.drain_ms / 1000,
        )
        async with aclosing(service) as outcomes:
            async for outcome in outcomes:
                if outcome.job not in taken:
                    # Read as the stop came, never started. A real source gets
                    # it back here: re-queue it (nack it to the broker) or refuse
                    # it to its sender. This one was never submitted.
                    continue
                taken.remove(outcome.job)
                if outcome.error is None:
                    recorder.done(outcome.job, outcome.result())
                elif isinstance(outcome.error, asyncio.CancelledError):
                    recorder.cancel(outcome.job)  # cut short by the drain deadline
                else:
                    recorder.fail(outcome.job, outcome.error)
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

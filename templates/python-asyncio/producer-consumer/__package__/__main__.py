"""Producer-consumer: a producer feeds a bounded buffer that consumers drain."""

from __future__ import annotations

import asyncio
import sys
from contextlib import aclosing

from . import producer_consumer
from .harness import Config, Recorder, parse_config
from .harness.simulated import SimulatedWork
from .signals import stop_signals_handled


async def main(config: Config, work: SimulatedWork) -> int:
    """Produce the jobs into ``--buffer`` slots for ``--workers`` consumers."""
    recorder = Recorder(config)
    this_task = asyncio.current_task()
    assert this_task is not None
    signalled = False

    def on_stop_signal(signum: int) -> None:
        nonlocal signalled
        if not signalled:
            signalled = True
            this_task.cancel()  # the first: every job in flight is cancelled
        else:
            recorder.exit_now()  # the second: the summary, then exit 130

    async def consume(job: int, consumer: int) -> int:
        recorder.consume(job, consumer)
        recorder.start(job)
        return await work.run(job)

    with stop_signals_handled(on_stop_signal):
        try:
            buffered = producer_consumer.run(
                work.jobs(on_read=recorder.produce),
                consume,
                workers=config.workers,
                buffer=config.buffer,
            )
            async with aclosing(buffered) as outcomes:
                async for outcome in outcomes:
                    if outcome.error is None:
                        recorder.done(outcome.job, outcome.result())
                    else:
                        recorder.fail(outcome.job, outcome.error)
        except asyncio.CancelledError:
            # Swallowed, which is right only in the top-level task, that nothing
            # but the signal cancels; a task cancelled by its caller re-raises.
            recorder.cancel_unfinished()  # in flight, or never started
            return recorder.finish(interrupted=True)
    return recorder.finish()


if __name__ == "__main__":
    config = parse_config(
        pattern="producer-consumer",
        target="python-asyncio",
        description=__doc__,
        jobs=5,
        work_ms=500,
    )
    sys.exit(asyncio.run(main(config, SimulatedWork(config))))

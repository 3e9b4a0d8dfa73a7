"""Fan-out / fan-in: start every job at once, then gather every outcome."""

from __future__ import annotations

import asyncio
import sys
from contextlib import aclosing

from . import fan_out
from .harness import Config, Recorder, parse_config
from .harness.simulated import SimulatedWork
from .signals import stop_signals_handled


async def main(config: Config, work: SimulatedWork) -> int:
    """Start every job at once, writing what becomes of each."""
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

    async def handle(job: int) -> int:
        recorder.start(job)
        return await work.run(job)

    with stop_signals_handled(on_stop_signal):
        try:
            for job in range(1, config.jobs + 1):
                recorder.submit(job)
            async with aclosing(fan_out.run(work.jobs(), handle)) as outcomes:
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
        pattern="fan-out",
        target="python-asyncio",
        description=__doc__,
        jobs=3,
        work_ms=1000,
    )
    sys.exit(asyncio.run(main(config, SimulatedWork(config))))

"""Timeout: each operation gets a deadline and is really cancelled past it."""

from __future__ import annotations

import asyncio
import sys
from contextlib import aclosing

from . import timeout
from .harness import Config, Recorder, parse_config
from .harness.simulated import SimulatedWork
from .signals import stop_signals_handled


async def main(config: Config, work: SimulatedWork) -> int:
    """Run the operations, ``--workers`` at once, each under ``--timeout-ms``."""
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

    async def operation(job: int) -> int:
        recorder.start(job)
        return await work.run(job)

    with stop_signals_handled(on_stop_signal):
        try:
            for job in range(1, config.jobs + 1):
                recorder.submit(job)
            operations = timeout.run(
                work.jobs(),
                operation,
                workers=config.workers,
                timeout=config.timeout_ms / 1000,
            )
            async with aclosing(operations) as outcomes:
                async for outcome in outcomes:
                    if outcome.error is None:
                        recorder.done(outcome.job, outcome.result())
                    elif isinstance(outcome.error, TimeoutError):
                        recorder.timeout(outcome.job)  # an outcome, not a failure
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
        pattern="timeout",
        target="python-asyncio",
        description=__doc__,
        jobs=1,
        work_ms=2000,
    )
    sys.exit(asyncio.run(main(config, SimulatedWork(config))))

"""Fan-out / fan-in: start every job at once, then gather every outcome."""

from __future__ import annotations

import asyncio
import signal
import sys
from contextlib import aclosing

from . import fan_out
from .harness import Config, Recorder, parse_config
from .harness.simulated import SimulatedWork

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)  # Ctrl-C, and a service manager's stop


async def main(config: Config, work: SimulatedWork) -> int:
    """Start every job at once, writing what becomes of each."""
    recorder = Recorder(config)
    loop, this_task = asyncio.get_running_loop(), asyncio.current_task()
    assert this_task is not None
    signalled = False

    def on_stop_signal() -> None:
        # Called on the loop, between two steps of its tasks, not in the
        # middle of one: it may touch anything the tasks touch.
        nonlocal signalled
        if not signalled:
            signalled = True
            this_task.cancel()  # the first: every job in flight is cancelled
        else:
            recorder.exit_now()  # the second: the summary, then exit 130

    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, on_stop_signal)

    async def handle(job: int) -> int:
        recorder.start(job)
        return await work.run(job)

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
    finally:
        # The run is over: no signal changes its end. Held back meanwhile:
        # removing the loop's handler puts back the default, which kills.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)
            signal.signal(signum, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
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

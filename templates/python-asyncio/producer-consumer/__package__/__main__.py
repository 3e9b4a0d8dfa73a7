"""Producer-consumer: a producer feeds a bounded buffer that consumers drain."""

from __future__ import annotations

import asyncio
import signal
import sys
from contextlib import aclosing

from . import producer_consumer
from .harness import Config, Recorder, parse_config
from .harness.simulated import SimulatedWork

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)  # Ctrl-C, and a service manager's stop


async def main(config: Config, work: SimulatedWork) -> int:
    """Produce the jobs into ``--buffer`` slots for ``--workers`` consumers."""
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

    async def consume(job: int, consumer: int) -> int:
        recorder.consume(job, consumer)
        recorder.start(job)
        return await work.run(job)

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
        pattern="producer-consumer",
        target="python-asyncio",
        description=__doc__,
        jobs=5,
        work_ms=500,
    )
    sys.exit(asyncio.run(main(config, SimulatedWork(config))))

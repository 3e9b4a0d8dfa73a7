"""Producer-consumer: a producer feeds a bounded buffer that consumers drain."""

from __future__ import annotations

import asyncio
import signal
import sys
from contextlib import aclosing

from . import producer_consumer
from .harness import STOP_SIGNALS, StopSignals, parse_config
from .harness.simulation import Simulation


async def main(program: Simulation) -> int:
    """Produce the jobs into ``--buffer`` slots for ``--workers`` consumers;
    SIGINT or SIGTERM cancels them."""
    loop, this_task = asyncio.get_running_loop(), asyncio.current_task()
    assert this_task is not None
    signals = StopSignals(program.recorder, lambda _signum: this_task.cancel())
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, signals.handle, signum)
    try:
        buffered = producer_consumer.run(
            program.jobs(on_read=program.recorder.produce),
            program.consume,
            workers=program.config.workers,
            buffer=program.config.buffer,
        )
        async with aclosing(buffered) as outcomes:
            async for outcome in outcomes:
                if outcome.error is None:
                    program.recorder.done(outcome.job, outcome.result())
                else:
                    program.recorder.fail(outcome.job, outcome.error)
    except asyncio.CancelledError:
        return program.finish(interrupted=True)
    finally:
        for signum in STOP_SIGNALS:  # the run is over: no signal changes its end
            loop.remove_signal_handler(signum)
            signal.signal(signum, signal.SIG_IGN)
    return program.finish()


if __name__ == "__main__":
    config = parse_config(
        pattern="producer-consumer",
        target="python-asyncio",
        description=__doc__,
        jobs=5,
        work_ms=500,
    )
    sys.exit(asyncio.run(main(Simulation(config))))

"""Worker pool across machines: --workers threads run the jobs of a Redis stream.

--role producer appends --jobs jobs to the stream, --role worker runs them,
--role both does both. The first signal stops intake and lets the jobs in
flight finish, for up to --drain-ms; the second exits at once. Run it as
``python -m`` with the package name; ``--help`` lists the flags.
"""

from __future__ import annotations

import signal
import sys
import threading
from contextlib import closing
from types import FrameType
from typing import NoReturn

from . import worker_pool
from .harness import Recorder, parse_config
from .harness.broker import Broker
from .harness.simulated import TARGET, SimulatedWork
from .redis_stream import Delivery

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""Ctrl-C, and what service managers send."""


def main() -> NoReturn:
    config = parse_config(
        pattern="worker-pool", target=TARGET, description=__doc__, jobs=5, work_ms=500
    )
    work = SimulatedWork.for_config(config)  # before the run's clock starts
    recorder = Recorder(config)
    stop, abort = threading.Event(), threading.Event()

    def on_stop_signal(signum: int, frame: FrameType | None) -> None:
        # Python runs it in the main thread, between two bytecodes: it only
        # sets an event that thread reads and never waits on, and writes a
        # line.
        if not stop.is_set():
            stop.set()  # the first: intake ends, the jobs in flight drain
            recorder.stopping(signum)
        else:
            recorder.exit_now()  # the second: the summary, then exit 130

    for signum in STOP_SIGNALS:
        signal.signal(signum, on_stop_signal)

    with Broker(config, recorder, stop) as broker:

        def handle(delivery: Delivery, worker: int) -> int:
            broker.took(delivery, worker)
            return broker.run(work, delivery, worker, abort)

        # A job still running at the deadline is cancelled, not acknowledged:
        # it stays pending in the stream, for another worker to claim.
        broker.abort_after_drain(stop, abort)
        broker.start_producing(stop)
        if broker.works:
            jobs = broker.deliveries(stop)
            with closing(
                worker_pool.run(jobs, handle, workers=config.workers, stop=stop)
            ) as outcomes:
                for outcome in outcomes:
                    broker.settle(outcome)
    # A cancelled job is pending, not lost: exit 1, as after an error reply.
    code = broker.exit_code(recorder.finish())
    for signum in STOP_SIGNALS:
        # Over: a late Ctrl-C, once Python has put back its default handler
        # on the way out, would kill the process instead of this exit code.
        signal.signal(signum, signal.SIG_IGN)
    sys.exit(code)


if __name__ == "__main__":
    main()

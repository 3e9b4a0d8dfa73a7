"""Worker pool across machines: --workers processes run the jobs of a Redis stream.

--role producer appends --jobs jobs to the stream, --role worker runs them,
--role both does both. The first signal stops intake and lets the jobs in
flight finish, for up to --drain-ms; the second exits at once.
"""

from __future__ import annotations

import signal
import threading
from contextlib import closing
from types import FrameType

from . import worker_pool
from .harness import Recorder, parse_config
from .harness.broker import (
    Broker,
    PayloadJob,
    leave_for_the_gone_reader,
    prepare_worker_processes,
)
from .harness.program import exit_program
from .processes import Stop, kill_children
from .redis_stream import Delivery


def main() -> int:
    config = parse_config(
        pattern="worker-pool",
        target="python-multiprocessing",
        description=__doc__,
        jobs=5,
        work_ms=500,
        # io by default: a job then lasts its --work-ms on a busy machine,
        # which --claim-idle-ms and --drain-ms are measured against; cpu
        # work stretches with the load.
        work="io",
    )
    if config.role != "producer":
        prepare_worker_processes()  # before the signal handlers
    handle = PayloadJob.from_config(config)  # before the recorder starts its clock
    recorder = Recorder(config, before_exit=leave_for_the_gone_reader)
    # Two stops: intake ends at the first signal, and the pool, once the
    # jobs in flight have finished, ends because its source has. Only at
    # the drain deadline does the pool's own stop kill what still runs:
    # cancelled, not acknowledged, so pending for another worker.
    intake_stop, deadline = threading.Event(), Stop()
    signalled = False

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal signalled
        if signalled:  # the second signal: children first, then exit 130
            kill_children()
            recorder.exit_now()
            return
        signalled = True
        recorder.stopping(signum)
        intake_stop.set()
        if config.drain_ms > 0:
            # A timer signal, not a thread: nothing to start in a handler.
            signal.setitimer(signal.ITIMER_REAL, config.drain_ms / 1000)
        else:
            deadline.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    opened: Broker | None = None

    def at_deadline(signum: int, frame: FrameType | None) -> None:
        deadline.set()
        if opened is not None:
            opened.interrupt()  # settling waits no longer for a hung server

    signal.signal(signal.SIGALRM, at_deadline)

    def started(delivery: Delivery, worker: int) -> None:
        broker.took(delivery, worker)
        recorder.start(delivery.job, worker)

    with Broker(config, recorder, intake_stop) as broker:
        opened = broker
        recorder.ready()
        broker.start_producing()
        if broker.works:
            outcomes = worker_pool.run(
                broker.deliveries(),
                handle,
                workers=config.workers,
                stop=deadline,
                on_start=started,
            )
            with closing(outcomes):
                for outcome in outcomes:
                    broker.settle(outcome, deadline)
    signal.setitimer(signal.ITIMER_REAL, 0)  # every job has ended
    return recorder.finish()  # a cancelled job is pending, not lost: exit 1


if __name__ == "__main__":
    exit_program(main)

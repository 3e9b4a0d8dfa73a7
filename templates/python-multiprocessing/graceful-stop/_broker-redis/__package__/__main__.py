"""Graceful stop across machines: --workers processes take a Redis stream's jobs
until SIGINT or SIGTERM, then drain and acknowledge what they hold.

--role producer appends --jobs jobs to the stream (0: until stopped),
--role worker serves them, --role both does both.
"""

from __future__ import annotations

import signal
import threading
from contextlib import closing
from types import FrameType

from . import graceful_stop
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
        pattern="graceful-stop",
        target="python-multiprocessing",
        description=__doc__,
        jobs=0,
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
    stop = Stop()  # also set by --idle-exit-ms: no signal, then
    # The component ends the jobs at the drain deadline; this ends a wait to
    # settle one, for a server that does not answer.
    deadline = threading.Event()
    opened: Broker | None = None
    signalled = False

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal signalled
        if signalled:  # the second signal: children first, then exit 130
            kill_children()
            recorder.exit_now()
            return
        signalled = True
        recorder.stopping(signum)
        stop.set()
        # A timer signal, not a thread: nothing to start in a handler.
        signal.setitimer(signal.ITIMER_REAL, max(config.drain_ms / 1000, 1e-6))

    def at_deadline(signum: int, frame: FrameType | None) -> None:
        deadline.set()
        if opened is not None:
            opened.interrupt()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGALRM, at_deadline)

    def started(delivery: Delivery, worker: int) -> None:
        broker.took(delivery, worker)
        recorder.start(delivery.job, worker)

    with Broker(config, recorder, stop) as broker:
        opened = broker
        recorder.ready()
        broker.start_producing()
        if broker.works:
            outcomes = graceful_stop.run(
                broker.deliveries(),
                handle,
                workers=config.workers,
                stop=stop,
                drain=config.drain_ms / 1000,
                on_start=started,
            )
            with closing(outcomes):
                for outcome in outcomes:
                    # Each job drained is acknowledged as it ends; one cut
                    # off at the drain deadline stays pending: exit 1.
                    broker.settle(outcome, deadline)
    signal.setitimer(signal.ITIMER_REAL, 0)  # every job has ended
    return recorder.finish()


if __name__ == "__main__":
    exit_program(main)

"""Producer-consumer across machines: a Redis stream is the buffer, --workers consume.

--role producer appends --jobs jobs to the stream, never more than --buffer
waiting in it; --role worker consumes them; --role both does both. The
first signal stops intake and lets the jobs taken finish, for up to
--drain-ms; the second exits at once.
"""

from __future__ import annotations

import signal
import sys
import threading
from contextlib import closing
from types import FrameType

from . import producer_consumer
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
        pattern="producer-consumer",
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
    # Two stops: intake ends at the first signal, and the consumers, once
    # the jobs taken have finished, end because their source has. Only at
    # the drain deadline does the component's own stop kill what still
    # runs: cancelled, not acknowledged, so pending for another worker.
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

    def taken(delivery: Delivery, consumer: int) -> None:
        broker.took(delivery, consumer)
        recorder.consume(delivery.job, consumer)
        recorder.start(delivery.job)

    try:
        with Broker(config, recorder, intake_stop) as broker:
            opened = broker
            recorder.ready()
            broker.start_producing()
            if broker.works:
                # The stream is the buffer: a queue of one between this
                # process and its consumers leaves the jobs waiting where
                # any worker, on any machine, can take them.
                outcomes = producer_consumer.run(
                    broker.deliveries(),
                    handle,
                    workers=config.workers,
                    buffer=1,
                    stop=deadline,
                    on_start=taken,
                )
                with closing(outcomes):
                    for outcome in outcomes:
                        broker.settle(outcome, deadline)
    except producer_consumer.ConsumerDiedError as error:
        # Its job failed, the others are pending; raised through the
        # broker, so that its producer stops too.
        print(error, file=sys.stderr)
    signal.setitimer(signal.ITIMER_REAL, 0)  # every job has ended
    return recorder.finish()  # a cancelled job is pending, not lost: exit 1


if __name__ == "__main__":
    exit_program(main)

"""Producer-consumer across machines: a Redis stream is the buffer, --workers consume.

--role producer appends --jobs jobs to the stream, never more than --buffer
waiting in it; --role worker consumes them; --role both does both.
"""

from __future__ import annotations

import signal
import sys
from contextlib import closing
from types import FrameType

from . import producer_consumer
from .harness import Recorder, parse_config
from .harness.broker import Broker, PayloadJob, prepare_worker_processes
from .harness.program import exit_program, unwind_for_the_gone_reader
from .processes import Stop, kill_children
from .redis_stream import Delivery


def main() -> int:
    config = parse_config(
        pattern="producer-consumer",
        target="python-multiprocessing",
        description=__doc__,
        jobs=5,
        work_ms=500,
        work="cpu",
    )
    if config.role != "producer":
        prepare_worker_processes()  # before the signal handlers
    handle = PayloadJob.from_config(config)  # before the recorder starts its clock
    recorder = Recorder(config, before_exit=unwind_for_the_gone_reader)
    stop = Stop()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():  # the second signal: children first, then exit 130
            kill_children()
            recorder.exit_now()
        else:
            stop.set()  # no job is taken; running ones are cancelled, left pending

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    def taken(delivery: Delivery, consumer: int) -> None:
        broker.took(delivery, consumer)
        recorder.consume(delivery.job, consumer)
        recorder.start(delivery.job)

    with Broker(config, recorder, stop) as broker:
        broker.start_producing()
        if broker.works:
            # The stream holds what waits; the component's queue of one
            # keeps a worker from holding more than the job it runs next.
            outcomes = producer_consumer.run(
                broker.deliveries(),
                handle,
                workers=config.workers,
                buffer=1,
                stop=stop,
                on_start=taken,
            )
            try:
                with closing(outcomes):
                    for outcome in outcomes:
                        broker.settle(outcome)
            except producer_consumer.ConsumerDiedError as error:
                print(error, file=sys.stderr)  # its job failed; the others are pending
    return recorder.finish()  # a cancelled job is pending, not lost: exit 1


if __name__ == "__main__":
    exit_program(main)

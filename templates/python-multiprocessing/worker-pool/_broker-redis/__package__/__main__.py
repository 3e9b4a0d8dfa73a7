"""Worker pool across machines: --workers processes run the jobs of a Redis stream.

--role producer appends --jobs jobs to the stream, --role worker runs them,
--role both does both.
"""

from __future__ import annotations

import signal
from contextlib import closing
from types import FrameType

from . import worker_pool
from .harness import Recorder, parse_config
from .harness.broker import Broker, PayloadJob, prepare_worker_processes
from .harness.program import exit_program, unwind_for_the_gone_reader
from .processes import Stop, kill_children
from .redis_stream import Delivery


def main() -> int:
    config = parse_config(
        pattern="worker-pool",
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

    def started(delivery: Delivery, worker: int) -> None:
        broker.took(delivery, worker)
        recorder.start(delivery.job, worker)

    with Broker(config, recorder, stop) as broker:
        broker.start_producing()
        if broker.works:
            outcomes = worker_pool.run(
                broker.deliveries(),
                handle,
                workers=config.workers,
                stop=stop,
                on_start=started,
            )
            with closing(outcomes):
                for outcome in outcomes:
                    broker.settle(outcome)
    return recorder.finish()  # a cancelled job is pending, not lost: exit 1


if __name__ == "__main__":
    exit_program(main)

"""Graceful stop across machines: workers serve a Redis stream until SIGTERM or Ctrl-C.

The first signal stops reading from the stream and lets the jobs in flight
finish and be acknowledged, for up to --drain-ms; what is still running
then stays pending in the stream for another worker. The second signal
exits at once. --role producer appends --jobs jobs (0: until signalled),
--role worker serves them, --role both does both. Run it as ``python -m``
with the package name; ``--help`` lists the flags.
"""

from __future__ import annotations

import signal
import sys
import threading
from contextlib import closing
from types import FrameType
from typing import NoReturn

from . import graceful_stop
from .harness import Recorder, parse_config
from .harness.broker import Broker
from .harness.simulated import TARGET, SimulatedWork
from .redis_stream import Delivery

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""Ctrl-C, and what service managers send."""


def main() -> NoReturn:
    config = parse_config(
        pattern="graceful-stop", target=TARGET, description=__doc__, jobs=0, work_ms=500
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

        # The component also aborts the jobs at the drain deadline; this
        # ends, then, a wait to settle one with a server that does not answer.
        broker.abort_after_drain(stop, abort)
        broker.start_producing(stop)
        if broker.works:
            served = graceful_stop.run(
                broker.deliveries(stop),
                handle,
                workers=config.workers,
                stop=stop,
                drain=config.drain_ms / 1000,
                abort=abort,
            )
            with closing(served) as outcomes:
                for outcome in outcomes:
                    broker.settle(outcome)
    code = broker.exit_code(recorder.finish())  # 1 after an error reply
    for signum in STOP_SIGNALS:
        # Over: a late Ctrl-C, once Python has put back its default handler
        # on the way out, would kill the process instead of this exit code.
        signal.signal(signum, signal.SIG_IGN)
    sys.exit(code)


if __name__ == "__main__":
    main()

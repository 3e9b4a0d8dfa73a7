"""The program's stop signals, handled on the event loop."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)  # Ctrl-C, and a service manager's stop


@contextmanager
def stop_signals_handled(on_stop_signal: Callable[[int], None]) -> Iterator[None]:
    """Call ``on_stop_signal(signum)`` on the running loop for each stop signal
    that comes inside the block, and ignore them from its end on.

    The loop runs the handler between two steps of its tasks, not in the
    middle of one, so it may touch anything the tasks touch. Once the block
    ends the run is over, and no signal may change how it ends: the signals
    stay ignored, in this process and in any it starts from then on.
    """
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, on_stop_signal, signum)
    try:
        yield
    finally:
        # Held back across the swap: removing the loop's handler puts back
        # the default action, which kills.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)
            signal.signal(signum, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)

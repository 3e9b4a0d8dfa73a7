"""What SIGINT and SIGTERM do, whichever way a target installs the handler."""

from __future__ import annotations

import signal
from collections.abc import Callable
from types import FrameType

from .events import Recorder

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""The signals that stop the program (Ctrl-C, and what service managers send)."""


class StopSignals:
    """The first stop signal calls ``on_first``; the second exits at once.

    ``handle`` fits both ways of installing a handler::

        signal.signal(signal.SIGTERM, stop.handle)               # threads, processes
        loop.add_signal_handler(signal.SIGTERM, stop.handle, signal.SIGTERM)  # asyncio
    """

    def __init__(self, recorder: Recorder, on_first: Callable[[int], None]) -> None:
        """``on_first(signum)`` starts the stop: cancel the run, or drain it."""
        self._recorder = recorder
        self._on_first = on_first
        self._first: int | None = None

    @property
    def received(self) -> bool:
        """Whether a stop signal has arrived."""
        return self._first is not None

    def handle(self, signum: int, frame: FrameType | None = None) -> None:
        """React to one SIGINT or SIGTERM (``frame`` is unused)."""
        if self._first is None:
            self._first = signum
            self._on_first(signum)
        else:
            self._recorder.exit_now()

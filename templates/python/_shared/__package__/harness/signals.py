"""The stop signals: the first one starts the stop, the second exits at once."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import NoReturn

from .events import Recorder

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    """``handle`` calls ``on_first(signum)`` on the first SIGINT or SIGTERM;
    on the second it runs ``before_exit()`` and ``recorder.exit_now()``.
    It fits ``signal.signal`` (see ``install``) and ``loop.add_signal_handler``."""

    def __init__(
        self,
        recorder: Recorder,
        on_first: Callable[[int], object],
        *,
        before_exit: Callable[[], None] | None = None,
    ) -> None:
        self._recorder = recorder
        self._on_first = on_first
        self._before_exit = before_exit
        self.received = False

    def install(self) -> None:
        """Make ``handle`` the handler of the stop signals (in the main thread)."""
        for signum in STOP_SIGNALS:
            signal.signal(signum, self.handle)

    def handle(self, signum: int, frame: FrameType | None = None) -> None:
        if not self.received:
            self.received = True
            self._on_first(signum)
            return
        if self._before_exit is not None:
            self._before_exit()
        self._recorder.exit_now()

    def exit_with(self, code: int) -> NoReturn:
        """Ignore the stop signals from now on (the run is over), then exit."""
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
        sys.exit(code)

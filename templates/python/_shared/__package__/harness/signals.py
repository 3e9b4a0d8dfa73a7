"""What SIGINT and SIGTERM do, whichever way a target installs the handler."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import NoReturn

from .events import Recorder

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""The signals that stop the program (Ctrl-C, and what service managers send)."""


class StopSignals:
    """The first stop signal calls ``on_first``; the second exits at once.

    ``install`` makes ``handle`` the handler of SIGINT and SIGTERM for the
    rest of the process. ``handle`` also fits asyncio's handlers
    (``loop.add_signal_handler(signum, stop.handle, signum)``), but those go
    away when the loop closes, so a second Ctrl-C during shutdown would then
    raise KeyboardInterrupt instead of exiting with 130.
    """

    def __init__(
        self,
        recorder: Recorder,
        on_first: Callable[[int], None],
        *,
        before_exit: Callable[[], None] | None = None,
    ) -> None:
        """``on_first(signum)`` starts the stop: cancel the run, or drain it.

        ``before_exit()`` runs on the second signal, just before the process
        exits: what must not outlive it, such as child processes, goes there.
        """
        self._recorder = recorder
        self._on_first = on_first
        self._before_exit = before_exit
        self._first: int | None = None

    @property
    def received(self) -> bool:
        """Whether a stop signal has arrived."""
        return self._first is not None

    def install(self) -> None:
        """Handle SIGINT and SIGTERM from now on (call it in the main thread).

        Python runs the handler in the main thread between two bytecodes,
        whatever that thread is doing: ``on_first`` must only do what is
        safe there (set an event, ``loop.call_soon_threadsafe``, write an
        event with the recorder).
        """
        for signum in STOP_SIGNALS:
            signal.signal(signum, self.handle)

    def handle(self, signum: int, frame: FrameType | None = None) -> None:
        """React to one SIGINT or SIGTERM (``frame`` is unused)."""
        if self._first is None:
            self._first = signum
            self._on_first(signum)
        else:
            if self._before_exit is not None:
                self._before_exit()
            self._recorder.exit_now()

    def exit_with(self, code: int) -> NoReturn:
        """End the program with ``code`` once the summary is written.

        Stop signals are ignored from here on: the run has nothing left to
        stop, and while the interpreter shuts down Python puts back the
        default handlers, so a late Ctrl-C would otherwise kill the process
        with SIGINT instead of letting it exit with ``code``.
        """
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
        sys.exit(code)

"""Child processes that the parent alone stops, and that end with the parent.

Every child is started by ``start_child``: connected to the parent by its
own pipe, with SIGINT and SIGTERM ignored from its first instruction, and
ending by itself if the parent dies (its "lifeline").
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from multiprocessing import forkserver, resource_tracker
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

# forkserver starts each child by forking a small server process that has
# this package already imported: a few milliseconds per child once the
# server is up, where spawn starts a fresh interpreter each time (tens of ms
# more). Both are safe with threads in the parent; fork, the default on
# Linux before Python 3.14, is not. forkserver is the default on POSIX
# systems other than macOS since 3.14; chosen here explicitly, so that 3.11
# to 3.13 behave the same. POSIX only.
CONTEXT = multiprocessing.get_context("forkserver")
# Once, here: a later call replaces the list, which would drop the modules
# a caller asked for (see start_helper_processes).
CONTEXT.set_forkserver_preload([__name__])

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""Ctrl-C and what service managers send: the parent's to handle, not a child's."""

EXIT_GRACE_S = 3.0
"""How long a child told to exit may take before it is killed.

A worker exits as soon as it reads its end marker, unless its job left a
thread running (Python waits for those before a process ends)."""


@contextmanager
def stop_signals_blocked() -> Iterator[None]:
    """Hold back SIGINT and SIGTERM in this thread; they arrive on exit, not lost."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@dataclass(slots=True)
class Child:
    """A child process, the parent's end of its pipe, and its lifeline.

    The parent never writes on ``lifeline``: it only holds it open. When the
    parent ends, however it ends (``kill -9`` included), the kernel closes
    it, and the child, which watches the other end, ends too.
    """

    process: BaseProcess
    connection: Connection
    lifeline: Connection

    def kill(self) -> None:
        """Stop the process at once (SIGKILL: it ignores the stop signals)."""
        self.process.kill()

    def reap(self, grace_s: float = EXIT_GRACE_S) -> int | None:
        """Wait for the process to end and release it; return its exit code.

        A process still running after ``grace_s`` is killed: a child told to
        exit that does not cannot hold up the parent. Waiting is what leaves
        no zombie behind; closing, no open pipe.
        """
        self.process.join(grace_s)
        if self.process.exitcode is None:
            self.process.kill()
            self.process.join()
        code = self.process.exitcode
        self.process.close()
        self.connection.close()
        self.lifeline.close()  # only now: the child has ended
        return code


def reap_all(children: Iterable[Child]) -> None:
    """Reap ``children``, which share one ``EXIT_GRACE_S`` to end by themselves."""
    deadline = time.monotonic() + EXIT_GRACE_S
    for child in children:
        child.reap(grace_s=max(0.0, deadline - time.monotonic()))


def start_child(target: Callable[..., None], *args: Any) -> Child:
    """Start ``target(connection, *args)`` in a new process.

    ``connection`` is the child's end of a pipe to the parent; ``target``
    and ``args`` are pickled to the child, so a lambda or a nested function
    fails here. Ctrl-C in a terminal signals the whole process group,
    children included: a child ignores SIGINT and SIGTERM and leaves the
    decision to the parent, which kills it when it must stop. A child starts
    with both signals blocked, because the forkserver that forks it runs
    with them blocked (see ``start_helper_processes``), and ignores them
    before it unblocks them: none can interrupt it half-started.
    """
    parent_end, child_end = CONTEXT.Pipe()
    lifeline_end, lifeline = CONTEXT.Pipe(duplex=False)
    process = CONTEXT.Process(
        target=_child_main, args=(target, child_end, lifeline_end, *args)
    )
    start_helper_processes()
    # Blocked here so that no signal handler runs while multiprocessing
    # holds its locks (see kill_children).
    with stop_signals_blocked():
        process.start()
    # The child has its own copies; closing ours lets the parent see EOF when
    # it ends, and leaves the parent alone holding the lifeline open.
    child_end.close()
    lifeline_end.close()
    return Child(process, parent_end, lifeline)


def _child_main(
    target: Callable[..., None],
    connection: Connection,
    lifeline: Connection,
    *args: Any,
) -> None:
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    watch = threading.Thread(target=_end_with_parent, args=(lifeline,), daemon=True)
    watch.start()
    with connection, suppress(EOFError, BrokenPipeError):  # the parent has gone
        target(connection, *args)


def _end_with_parent(lifeline: Connection) -> None:
    """In a child: end this process as soon as the parent has ended.

    Nothing is ever sent on the lifeline, so the wait returns only at its end
    of file, when the parent's end is closed: by the parent once this child
    has ended, or by the kernel when the parent dies, even by SIGKILL, which
    runs no handler and no ``finally``. The job, in the main thread, would
    otherwise go on computing with nobody to report to. (A job that holds
    the GIL in C code for long delays this until it lets go.)
    """
    wait([lifeline])
    os.kill(os.getpid(), signal.SIGKILL)  # as the parent would have


def kill_children() -> None:
    """Kill every live child and wait for it: a second stop signal's last act.

    Safe in a signal handler: every call that holds one of
    multiprocessing's locks (starting a child or a helper process) is made
    with the stop signals blocked, so this never finds one half done.
    """
    children = multiprocessing.active_children()
    for child in children:
        child.kill()
    for child in children:
        child.join()


def start_helper_processes(*, preload: Iterable[str] | None = None) -> None:
    """Start multiprocessing's helper processes, unless they already run.

    The forkserver imports this package and, when given, the ``preload``
    modules (the module of the jobs' handler, say) once: each child starts
    with them imported instead of importing them again. A call without
    ``preload`` keeps those of an earlier call; it only counts before the
    forkserver starts.

    The forkserver forks every child, and each child inherits the server's
    signal mask: so the server starts with SIGINT and SIGTERM blocked, and
    each child begins with them blocked. The resource tracker goes first,
    because starting it unblocks them in this process. Call it once before
    installing signal handlers, so that no handler can interrupt
    multiprocessing while it holds its locks; it blocks the signals
    whenever it runs again.

    Both helpers end by themselves once this process and its children
    have: each watches a pipe that they hold open. (No public API stops
    them sooner.)
    """
    if preload is not None:
        CONTEXT.set_forkserver_preload([__name__, *preload])
    # ensure_running() of both modules is no documented API: a CPython
    # implementation detail (3.11 to 3.14) relied on to start the helpers
    # at a chosen moment, rather than inside the first start of a child.
    with stop_signals_blocked():
        resource_tracker.ensure_running()
    with stop_signals_blocked():
        forkserver.ensure_running()

"""Hygiene for every test: a hard time limit, and nothing left behind.

A test fails when it leaves a thread or a child process running, or when
something logs an error during it (asyncio logs a task exception nobody
retrieved). An exception in a thread fails it too: pytest turns it into a
warning, and ``filterwarnings = error`` into a failure.
"""

from __future__ import annotations

import faulthandler
import logging
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Generator, Iterator

import pytest

DEFAULT_TIMEOUT_S = 30.0
"""Hard limit for one test, setup and teardown included.

``@pytest.mark.timeout(seconds)`` sets another for one test."""

LEAK_GRACE_S = 2.0
"""How long a thread or process may take to finish after its test ends."""

_stderr_fd = pytest.StashKey[int]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "timeout(seconds): hard limit for this test (default 30)"
    )
    # Output capture is off at this point; during a test, file descriptor 2
    # goes to pytest's capture file, and faulthandler needs the real one.
    config.stash[_stderr_fd] = os.dup(sys.stderr.fileno())


def pytest_unconfigure(config: pytest.Config) -> None:
    os.close(config.stash[_stderr_fd])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    """Kill the whole run when a test hangs, printing every thread's stack.

    A deadlock then fails within the limit instead of hanging CI; the
    standard library's faulthandler does it, no plugin needed.
    """
    marker = item.get_closest_marker("timeout")
    seconds = float(marker.args[0]) if marker else DEFAULT_TIMEOUT_S
    faulthandler.dump_traceback_later(
        seconds, exit=True, file=item.config.stash[_stderr_fd]
    )
    try:
        return (yield)
    finally:
        faulthandler.cancel_dump_traceback_later()


@pytest.fixture(autouse=True)
def _nothing_left_behind(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail the test if it leaves threads or child processes, or logs errors."""
    threads_before = set(threading.enumerate())
    children_before = set(multiprocessing.active_children())
    yield
    deadline = time.monotonic() + LEAK_GRACE_S
    threads = [t for t in threading.enumerate() if t not in threads_before]
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    children = [
        p for p in multiprocessing.active_children() if p not in children_before
    ]
    for child in children:
        child.join(max(0.0, deadline - time.monotonic()))
    left = [t.name for t in threads if t.is_alive()]
    for child in children:
        if child.is_alive():
            left.append(f"process {child.pid}")
            # Stop it anyway, so that one leak does not spill into later tests.
            child.kill()
            child.join()
    errors = [
        record.getMessage()
        for record in caplog.get_records("call")
        if record.levelno >= logging.ERROR
    ]
    problems = [f"left running: {', '.join(left)}"] if left else []
    problems += [f"logged an error: {message}" for message in errors]
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)

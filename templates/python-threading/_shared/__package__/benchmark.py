"""Small helpers for the benchmark (``bench``): timing, and a report line."""

from __future__ import annotations

import platform
import sys
import time
from collections.abc import Callable


def best_seconds(action: Callable[[], object], *, repeat: int = 3) -> float:
    """The fastest of ``repeat`` runs of ``action``, in seconds.

    The fastest run is the one least disturbed by the rest of the machine.
    """
    fastest = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        fastest = min(fastest, time.perf_counter() - started)
    return fastest


def interpreter() -> str:
    """Which Python runs the benchmark, and whether its GIL is on."""
    gil = "enabled"
    if sys.version_info >= (3, 13) and not sys._is_gil_enabled():
        gil = "disabled (free-threaded)"
    return f"Python {platform.python_version()}, GIL {gil}"


def compare(label: str, seconds: float, baseline: float, baseline_label: str) -> str:
    """One line: a measurement, its baseline, and their ratio."""
    return (
        f"{label}: {seconds * 1000:.0f} ms, {baseline_label}: "
        f"{baseline * 1000:.0f} ms, speed-up x{baseline / seconds:.2f}"
    )


def per_item_us(seconds: float, items: int) -> str:
    """Microseconds per item, for overhead figures."""
    return f"{seconds / items * 1e6:.1f} us"

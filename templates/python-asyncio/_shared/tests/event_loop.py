"""Run a test's coroutine on a fresh event loop and check what it leaves.

``run`` fails the test when, after the coroutine returns, another task is
still alive, or when the loop had to report an error, such as a task
exception that nobody retrieved (asyncio only notices that when the task
is garbage-collected, so ``run`` collects before it checks).
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` in debug mode and return its result, or fail the test."""
    reported: list[dict[str, Any]] = []

    async def checked() -> T:
        result = await main
        others = asyncio.all_tasks() - {asyncio.current_task()}
        assert not others, f"tasks left running: {others}"
        return result

    with asyncio.Runner(debug=True) as runner:
        runner.get_loop().set_exception_handler(
            lambda _loop, context: reported.append(context)
        )
        result = runner.run(checked())
        gc.collect()
    assert not reported, f"the event loop reported: {reported}"
    return result

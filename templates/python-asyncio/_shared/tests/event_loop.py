"""Run a test's coroutine on a fresh event loop and check what it leaves.

``run`` fails the test when, after the coroutine returns, another task is
still alive, or when the loop had to report an error, such as a task
exception that nobody retrieved (asyncio only notices that when the task
is garbage-collected, so ``run`` collects before it checks).
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterable, Coroutine
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


class Jobs:
    """Jobs 1, 2, 3..., a turn of the loop apart: ``count`` of them, or
    endless; with ``then_block``, a wait for a next job that never comes.

    A class, not an async generator: a generator left suspended would be
    closed by a task of its own, later, which ``run`` would count as left.
    """

    def __init__(self, count: int | None = None, *, then_block: bool = False):
        self.count, self.then_block = count, then_block
        self.read = 0  # how many jobs the component took

    def __aiter__(self) -> Jobs:
        return self

    async def __anext__(self) -> int:
        await asyncio.sleep(0)
        if self.read == self.count:
            if self.then_block:
                await asyncio.Event().wait()
            raise StopAsyncIteration
        self.read += 1
        return self.read


def numbers(count: int) -> Jobs:
    return Jobs(count)


def endless() -> Jobs:
    return Jobs()


def then_blocks(count: int) -> Jobs:
    return Jobs(count, then_block=True)


async def collect(outcomes: AsyncIterable[T]) -> list[T]:
    return [outcome async for outcome in outcomes]

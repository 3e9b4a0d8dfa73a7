"""The asyncio broker's own tasks: an error ends every one of them."""

from __future__ import annotations

import asyncio
from contextlib import suppress

import pytest

from __package__.harness import broker
from __package__.worker_pool import cancel_until_ended


@pytest.mark.timeout(10)
def test_an_error_ends_a_task_that_swallowed_its_first_cancellation() -> None:
    # As redis-py can, with a command in flight: the run used to wait for good.
    async def swallows_one_cancellation() -> None:
        with suppress(asyncio.CancelledError):
            await asyncio.sleep(60)
        await asyncio.sleep(60)

    async def main() -> bool:
        task = asyncio.create_task(swallows_one_cancellation())
        await asyncio.sleep(0)  # it is in its first wait
        await asyncio.wait_for(cancel_until_ended([task], broker.CANCEL_AGAIN_S), 5)
        return task.cancelled()

    assert asyncio.run(main())

"""How often other work got the event loop while something was awaited."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def turns_while(work: Awaitable[T]) -> tuple[T, int]:
    """Await ``work`` with another task counting its turns on the loop: (the result, the turns)."""
    turns = 0
    running = True

    async def other_work() -> None:
        nonlocal turns
        while running:
            turns += 1
            await asyncio.sleep(0)

    other = asyncio.create_task(other_work())
    await asyncio.sleep(0)  # started: its first turn is not counted
    turns = 0
    try:
        result = await work
    finally:
        running = False
        await other
    return result, turns

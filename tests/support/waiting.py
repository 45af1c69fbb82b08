"""Waiting for something to become true, in pilot and integration tests (never a fixed sleep)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from textual.css.query import NoMatches

from oncall_tui.errors import SourceError

T = TypeVar("T")


async def wait_until(pilot: Any, predicate: Callable[[], object], what: str, within: float = 10.0) -> None:
    """Let the app run until ``predicate()`` is true; fail naming ``what`` after ``within`` seconds.

    The failure is an ``AssertionError``, not ``pytest.fail``: inside a snapshot's ``run_before``
    Textual ends the app on an ``Exception`` only, and ``pytest.fail``'s ``BaseException`` left it
    running until the suite's 120 s timeout.

    The limit is generous on purpose: it only matters when something is broken, and a loaded
    2-core CI machine must not turn a slow pass into a failure.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not _holds(predicate):
        if loop.time() > deadline:
            raise AssertionError(f"{what}: not within {within:g}s")
        await pilot.pause(0.01)


def _holds(predicate: Callable[[], object]) -> bool:
    try:
        return bool(predicate())
    except NoMatches:  # the screen is still composing the widget the predicate looks at
        return False


async def eventually(
    fetch: Callable[[], Awaitable[T]], done: Callable[[T], bool], what: str, deadline: float = 25.0
) -> T:
    """Fetch until ``done`` holds (a SourceError counts as not yet); fail naming what never happened."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    last: T | None = None
    while loop.time() < end:
        try:
            last = await fetch()
        except SourceError:
            last = None
        if last is not None and done(last):
            return last
        await asyncio.sleep(0.2)
    raise AssertionError(f"{what} within {deadline:g}s; last result: {last!r}"[:2000])


async def holds_soon(predicate: Callable[[], object], what: str, within: float = 10.0) -> float:
    """Outside a pilot: run the loop until ``predicate()`` holds; return the seconds it took."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while not predicate():
        if loop.time() - start > within:
            raise AssertionError(f"{what}: not within {within:g}s")
        await asyncio.sleep(0.01)  # noqa: ASYNC110 - state of other tasks, no event to await
    return loop.time() - start

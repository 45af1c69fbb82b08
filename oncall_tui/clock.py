"""Time as a dependency: services take a Clock so tests can pass a FakeClock."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Wall time (UTC, aware), monotonic time and sleeping, behind one seam."""

    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class FakeClock:
    """A clock that only moves when told to.

    ``sleep`` advances it instantly; with ``real_sleep`` it really waits and the clock stays frozen.
    """

    def __init__(self, start: datetime | None = None, *, real_sleep: bool = False) -> None:
        self._wall = start or datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
        self._mono = 1000.0
        self._real_sleep = real_sleep
        self.sleeps: list[float] = []
        """Every duration passed to ``sleep``, in order (tests assert backoff with it)."""

    def now(self) -> datetime:
        return self._wall

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        from datetime import timedelta

        self._wall += timedelta(seconds=seconds)
        self._mono += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self._real_sleep:
            # Frozen time for snapshots: waits really pass, the displayed clock does not move.
            await asyncio.sleep(seconds)
            return
        self.advance(seconds)
        # Yield to the loop so other tasks run, as a real sleep would.
        await asyncio.sleep(0)

"""Time as a dependency: services take a Clock so tests can pass a FakeClock."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
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


class DemoClock:
    """The demo's time (``oncall-tui --demo``): a base clock that can be paused, resumed and restarted.

    The app and the demo servers share it, so they agree on "now": while paused, ``now()`` stands still
    (alert ages, countdowns and the incident cycle with it); resumed, it carries on from there, behind
    the base clock by the time spent paused. It never jumps, so silences, acks and the incident log stay
    in order. ``monotonic()`` and ``sleep()`` are the base clock's: polls, timeouts and backoff keep
    running while paused. ``restart()`` starts the incident cycle over at now: its listeners (the demo
    environment) re-anchor their scenario there.

    It lives here, not in ``oncall_tui/demo``, because ``--demo`` builds it before the first frame,
    which does not wait for the demo servers' imports.
    """

    def __init__(self, base: Clock | None = None) -> None:
        self.base: Clock = base or SystemClock()
        """The clock this one follows (a FakeClock in tests)."""
        # (paused at, by the base clock; time spent paused before), replaced as a whole: the demo
        # servers read it from their threads.
        self._state: tuple[datetime | None, timedelta] = (None, timedelta(0))
        self._on_restart: list[Callable[[datetime], None]] = []

    @property
    def paused(self) -> bool:
        """``now()`` stands still."""
        return self._state[0] is not None

    def now(self) -> datetime:
        paused_at, behind = self._state
        return (paused_at or self.base.now()) - behind

    def monotonic(self) -> float:
        return self.base.monotonic()

    async def sleep(self, seconds: float) -> None:
        await self.base.sleep(seconds)

    def pause(self) -> bool:
        """Hold ``now()`` still; False when it already was."""
        paused_at, behind = self._state
        if paused_at is not None:
            return False
        self._state = (self.base.now(), behind)
        return True

    def resume(self) -> bool:
        """Let ``now()`` move again, from where it stood; False when it was not paused."""
        paused_at, behind = self._state
        if paused_at is None:
            return False
        self._state = (None, behind + (self.base.now() - paused_at))
        return True

    def restart(self) -> None:
        """Start the scenario over at ``now()`` (paused or not, it stays so)."""
        now = self.now()
        for listener in list(self._on_restart):
            listener(now)

    def on_restart(self, listener: Callable[[datetime], None]) -> None:
        """Call ``listener(now)`` on every ``restart()``."""
        self._on_restart.append(listener)

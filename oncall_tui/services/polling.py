"""Fixed-delay, coalesced, cancellable polling with backoff and health tracking.

The next fetch starts only after the previous one ended (never ``set_interval``),
so a slow source cannot pile up requests. A failure keeps the last good value
and says why; recovery is simply the next success.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from oncall_tui.clock import Clock, SystemClock
from oncall_tui.errors import OncallError, SecretError
from oncall_tui.models.health import HealthState, SourceHealth

T = TypeVar("T")

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Fresh(Generic[T]):
    """A successful poll: new data and the health that goes with it."""

    value: T
    health: SourceHealth


@dataclass(frozen=True, slots=True)
class Failed(Generic[T]):
    """A failed poll: the reason, and the last good value (``None`` if never fetched)."""

    error: OncallError
    last_value: T | None
    health: SourceHealth


PollResult = Fresh[T] | Failed[T]

_current: ContextVar[Poller[Any] | None] = ContextVar("oncall_tui_poller", default=None)


def current_poller() -> Poller[Any] | None:
    """The poller whose fetch is running in this task (and the tasks it started), if any."""
    return _current.get()


def describe_exception(exc: BaseException) -> OncallError:
    """Turn anything a fetch raised into an OncallError with a one-line reason."""
    if isinstance(exc, OncallError):
        return exc
    if isinstance(exc, TimeoutError):
        return OncallError("timed out")
    # Unexpected bugs still must not kill the poller; name the type so it can be reported.
    text = str(exc).splitlines()[0] if str(exc) else ""
    return OncallError(f"{type(exc).__name__}: {text}".rstrip(": "))


class Poller(Generic[T]):
    """Polls one source forever (until cancelled), reporting each result through ``on_result``."""

    def __init__(
        self,
        name: str,
        fetch: Callable[[], Awaitable[T]],
        on_result: Callable[[Fresh[T] | Failed[T]], None],
        *,
        refresh: float,
        timeout: float,
        max_backoff: float = 300.0,
        clock: Clock | None = None,
        jitter: Callable[[], float] | None = None,
        insecure: bool = False,
    ) -> None:
        self.name = name
        """Source name shown in the health bar."""
        self.refresh = refresh
        """Seconds between the end of one poll and the start of the next, when healthy."""
        self.timeout = timeout
        """Seconds a whole fetch may take before it counts as failed."""
        self.max_backoff = max_backoff
        """Cap of the backoff, in seconds (the refresh interval caps it too)."""
        self._fetch = fetch
        self._on_result = on_result
        self._clock = clock or SystemClock()
        # Jitter spreads retries of many clients hitting one recovering server.
        self._jitter = jitter or (lambda: random.uniform(0.8, 1.2))
        self._wake = asyncio.Event()
        self._last_value: T | None = None
        self.health = SourceHealth(source=name, insecure=insecure)
        """Latest health snapshot."""

    def wake(self) -> None:
        """Refresh now: cut the current wait short (a running fetch is not duplicated)."""
        self._wake.set()

    def next_delay(self) -> float:
        """Seconds to wait before the next fetch, given the current failure streak.

        After a failure the first retry comes after a quarter of the refresh interval (a blip
        clears fast), then half, then the refresh interval: never longer. A longer backoff made
        the app lag minutes behind a recovered server; a source that fails is polled no more
        often than a healthy one, so there is nothing to protect by waiting longer.
        """
        failures = self.health.consecutive_failures
        if failures == 0:
            return self.refresh
        cap = min(self.max_backoff, self.refresh)
        backoff = min(cap, self.refresh / 4 * (2 ** min(failures - 1, 16)))
        return float(min(cap, backoff * self._jitter()))

    async def poll_once(self) -> Fresh[T] | Failed[T]:
        """Fetch once, update health, report and return the result."""
        started = self._clock.monotonic()
        # Requests made by this fetch know their poller (services/recovery.py wakes it when another
        # request to the same source succeeds).
        token = _current.set(self)
        try:
            async with asyncio.timeout(self.timeout):
                value = await self._fetch()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # every failure is reported, none escapes the loop
            error = describe_exception(exc)
            if isinstance(exc, TimeoutError):
                error = OncallError(f"no answer within {self.timeout:g}s")
            failed_state = (
                HealthState.NO_CREDENTIALS
                if isinstance(exc, SecretError)
                else HealthState.STALE
                if self._last_value is not None
                else HealthState.DOWN
            )
            self.health = replace(
                self.health,
                state=failed_state,
                latency=self._clock.monotonic() - started,
                reason=error.message,
                consecutive_failures=self.health.consecutive_failures + 1,
            )
            result: Fresh[T] | Failed[T] = Failed(error, self._last_value, self.health)
        else:
            self._last_value = value
            self.health = replace(
                self.health,
                state=HealthState.UP,
                latency=self._clock.monotonic() - started,
                last_ok_at=self._clock.now(),
                reason=None,
                consecutive_failures=0,
            )
            result = Fresh(value, self.health)
        finally:
            _current.reset(token)
        try:
            self._on_result(result)
        except Exception:  # a broken consumer must not stop polling (the health bar would freeze on "up")
            logger.exception("result handler of %s failed", self.name)
        return result

    async def run(self) -> None:
        """Poll until cancelled."""
        while True:
            await self.poll_once()
            await self._wait(self.next_delay())

    async def _wait(self, seconds: float) -> None:
        self._wake.clear()
        sleeper = asyncio.ensure_future(self._clock.sleep(seconds))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waker.cancel()

"""How finely ages, timers and the clock are shown: seconds, or minutes with ``--low-bandwidth``.

Over a slow link every second that ticks in a cell is bytes written: at minute resolution an idle
screen changes once a minute. One switch for the whole UI (set when the app boots), read by every
formatter of times on screen; kept free of heavy imports (the first frame's widgets use it).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from oncall_tui.domain import durations


class _Resolution:
    minutes = False
    """Show minutes, not seconds (``--low-bandwidth``)."""


RESOLUTION = _Resolution()
"""The UI's one time-resolution switch."""


def set_minute_resolution(minutes: bool) -> None:
    """Show ages, timers and the clock to the minute (True) or to the second."""
    RESOLUTION.minutes = minutes


def format_age(delta: timedelta) -> str:
    """:func:`oncall_tui.domain.durations.format_age`; under a minute ``<1m`` at minute resolution."""
    if RESOLUTION.minutes and abs(delta.total_seconds()) < 60:
        return "-<1m" if delta.total_seconds() <= -1 else "<1m"
    return durations.format_age(delta)


def format_rough_age(seconds: float) -> str:
    """:func:`oncall_tui.domain.durations.format_rough_age`; ``<1m`` under a minute at minute resolution."""
    if RESOLUTION.minutes and seconds < 60:
        return "<1m"
    if RESOLUTION.minutes and seconds < 3600:
        return f"{int(seconds // 60)}m"  # floored: a rounded minute would change at the half minute too
    return durations.format_rough_age(seconds)


def clock_text(now: datetime) -> str:
    """The header's clock in local time: ``HH:MM:SS TZ``, or ``HH:MM TZ`` at minute resolution."""
    return now.astimezone().strftime("%H:%M %Z" if RESOLUTION.minutes else "%H:%M:%S %Z")


def tick_seconds() -> float:
    """How often the app's clock ticks: each second, or every ten at minute resolution."""
    return 10.0 if RESOLUTION.minutes else 1.0

"""Durations as people type and read them: one parser and the formatters every screen uses.

``parse_duration`` is the app's one duration syntax (config, dialogs, trace search):
``"5m"``, ``"1h30m"``, ``"90s"``, ``"250ms"``, ``"2d"`` or a number of seconds. The
formatters differ by where the figure is shown: a config value (:func:`format_duration`),
a table cell (:func:`format_age`), a status bar (:func:`format_rough_age`,
:func:`format_latency`) and a span (:func:`format_micros`).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(us|µs|ms|s|m|h|d|w)", re.IGNORECASE)
_UNIT_SECONDS = {"us": 1e-6, "µs": 1e-6, "ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: object) -> timedelta:
    """``"1h30m"``/``"90s"``/``"250ms"``/``"2d"``, a number of seconds, or a timedelta → timedelta.

    Raises ValueError with a message fit to show next to an input field.
    """
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30m, 2h or 1h30m")
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    if not isinstance(value, str):
        raise ValueError("expected a duration such as 30m, 2h or 1h30m")
    text = value.strip()
    if not text:
        raise ValueError("duration is empty: expected e.g. 30m, 2h or 1h30m")
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return timedelta(seconds=float(text))
    pos = 0
    total = 0.0
    for match in _DURATION_PART.finditer(text):
        if text[pos : match.start()].strip():
            break
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]
        pos = match.end()
    if pos == 0 or text[pos:].strip():
        raise ValueError(f"{value!r} is not a duration: expected e.g. 30m, 2h or 1h30m")
    return timedelta(seconds=total)


def format_duration(value: timedelta) -> str:
    """The inverse of :func:`parse_duration` for whole seconds: ``timedelta(minutes=90)`` → ``"1h30m"``."""
    seconds = int(value.total_seconds())
    if seconds == 0:
        return "0s"
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return sign + "".join(parts)


def ack_end(
    now: datetime, duration: str | timedelta | None, ends_at: datetime | None, default: timedelta
) -> datetime:
    """When an ack (or silence) ends; ValueError with a message fit for the dialog when the input is bad.

    ``ends_at`` wins over ``duration``; ``duration=None`` means the configured default.
    """
    if ends_at is not None:
        if ends_at.tzinfo is None:
            raise ValueError("end time needs a timezone")
        if ends_at <= now:
            raise ValueError("end time is in the past")
        return ends_at
    if duration is None:
        length = default
    elif isinstance(duration, str) and not duration.strip():
        raise ValueError("duration is empty: expected e.g. 30m, 2h or 1h30m")
    else:
        length = parse_duration(duration)
    if length <= timedelta(0):
        raise ValueError("duration must be positive: the end time would be in the past")
    return now + length


def format_age(delta: timedelta) -> str:
    """Compact age for a table cell: ``45s``, ``12m``, ``3h05m``, ``2d04h``; negative gets a ``-``."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 60:
        return f"{sign}{seconds}s"
    if seconds < 3600:
        return f"{sign}{seconds // 60}m"
    if seconds < 86400:
        return f"{sign}{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{sign}{seconds // 86400}d{seconds % 86400 // 3600:02d}h"


def format_rough_age(seconds: float) -> str:
    """Compact age: 4s, 3m, 2h, 5d."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    if seconds < 86400:
        return f"{seconds / 3600:.0f}h"
    return f"{seconds / 86400:.0f}d"


def format_latency(seconds: float | None) -> str:
    """Response time of a source: ``120ms``, ``1.5s``; empty when unknown."""
    if seconds is None:
        return ""
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    return f"{seconds:.1f}s"


def format_micros(us: int | float) -> str:
    """A duration in µs as a short human figure: ``820µs``, ``45.2ms``, ``1.12s``, ``2m05s``."""
    us = float(us)
    if us < 1000:
        return f"{us:.0f}µs"
    if us < 1_000_000:
        ms = us / 1000
        return f"{ms:.1f}ms" if ms < 100 else f"{ms:.0f}ms"
    s = us / 1_000_000
    if s < 60:
        return f"{s:.2f}s" if s < 10 else f"{s:.1f}s"
    minutes, seconds = divmod(int(s), 60)
    return f"{minutes}m{seconds:02d}s"


__all__ = [
    "ack_end",
    "format_age",
    "format_duration",
    "format_latency",
    "format_micros",
    "format_rough_age",
    "parse_duration",
]

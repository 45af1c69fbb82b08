"""A one-line time axis under a sparkline: clock times at round marks, "now" at the right end."""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

_INTERVALS = tuple(timedelta(minutes=m) for m in (1, 5, 10, 15, 30, 60, 120, 180, 240, 360, 720, 1440))
"""Spacings between marks, the finest that leaves room for every label is used."""
_ROOM = 8
"""Columns one label needs (``HH:MM`` and gaps)."""


def axis_text(start: datetime, end: datetime, width: int, *, now_label: str = "now") -> str:
    """Labels of round local clock times placed where they fall between ``start`` and ``end``.

    Column ``x`` stands for ``start + x / (width - 1) * (end - start)``, as the sparkline
    above folds its values evenly over its width.
    """
    if width <= 0 or end <= start:
        return ""
    span = end - start
    line = [" "] * width
    right = max(width - len(now_label), 0)
    line[right:] = now_label[: width - right]
    interval = next((i for i in _INTERVALS if span / i * _ROOM <= width), _INTERVALS[-1])
    local = start.astimezone()
    # The first round mark at or after start, in local time (midnight-aligned).
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    mark = midnight + interval * -(-(local - midnight) // interval)
    taken_until = -1
    while mark < end:
        x = round((mark - start) / span * (width - 1))
        label = f"{mark:%H:%M}"
        left = x - len(label) // 2
        if left > taken_until and left >= 0 and left + len(label) < right - 1:
            line[left : left + len(label)] = label
            taken_until = left + len(label)
        mark += interval
    return "".join(line)


class TimeAxis(Widget):
    """Clock times under a sparkline covering ``span``; redrawn at its own width."""

    DEFAULT_CSS = "TimeAxis { height: 1; color: $text-muted; }"

    span: reactive[tuple[datetime, datetime] | None] = reactive(None)
    """The time range the sparkline above covers (None: nothing to show)."""

    def render(self) -> Text:
        if self.span is None:
            return Text("")
        return Text(axis_text(*self.span, self.size.width), no_wrap=True)

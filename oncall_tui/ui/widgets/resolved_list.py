"""Recently resolved alerts under the queue: dimmed, each with when it resolved.

The active view shows those resolved in the last few minutes (so a resolve is seen, not just
missed); ``t`` (all states) shows every one of the last hour. The filter applies to them too.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from oncall_tui.domain.durations import format_age
from oncall_tui.domain.matchers import Filter
from oncall_tui.domain.resolved_alerts import RESOLVED_SHOWN, ResolvedAlert

LINES_SHOWN = 4
"""Resolved alerts listed at most (the rest are counted), so the queue keeps the screen."""


def shown_resolved(
    resolved: Iterable[ResolvedAlert], now: datetime, *, everything: bool, flt: Filter | None
) -> list[ResolvedAlert]:
    """The resolved alerts to list, newest first: recent ones (``everything``: all remembered), filtered."""
    picked = [
        r
        for r in resolved
        if (everything or now - r.resolved_at < RESOLVED_SHOWN) and (flt is None or flt.matches(r.alert))
    ]
    return sorted(picked, key=lambda r: r.resolved_at, reverse=True)


class ResolvedList(Static):
    """The recently resolved alerts, dimmed; hidden when there are none to show."""

    DEFAULT_CSS = """
    ResolvedList {
        height: auto; max-height: 6; padding: 0 1; color: $text-muted; text-style: dim; display: none;
    }
    ResolvedList.-shown { display: block; border-top: dashed $panel-lighten-2; }
    """

    def show(self, items: list[ResolvedAlert], now: datetime, *, everything: bool) -> None:
        """List ``items`` (already filtered and ordered) as of ``now``."""
        self.set_class(bool(items), "-shown")
        if not items:
            return
        span = "last hour" if everything else "last 5 min; t shows the last hour"
        text = Text(f"Resolved ({span}):", no_wrap=True, overflow="ellipsis")
        for item in items[:LINES_SHOWN]:
            alert = item.alert
            when = item.resolved_at.astimezone()
            where = alert.labels.get("instance") or alert.labels.get("job") or ""
            text.append(
                f"\n✔ {alert.alertname} {where}".rstrip()
                + f" · resolved {format_age(now - item.resolved_at)} ago ({when:%H:%M})"
            )
        if len(items) > LINES_SHOWN:
            text.append(f"\n… and {len(items) - LINES_SHOWN} more")
        self.update(text)

"""Toasts that help: one per event (a repeat within a minute only counts), and a log for ``:messages``.

A poll that fails every ten seconds, or the same action result reported by two paths, would
otherwise stack identical toasts over the queue. Every notification is kept (newest last, with
its time and how often it repeated) for the Messages screen.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime

REPEAT_WINDOW = 60.0
"""Seconds during which the same title, text and severity again shows no new toast."""
KEPT = 200
"""Notifications kept for ``:messages``."""


@dataclass(slots=True)
class Notice:
    """One notification as the Messages screen lists it."""

    at: datetime
    """When it was first shown."""
    severity: str
    """``information``, ``warning`` or ``error``."""
    title: str
    """Its title (may be empty)."""
    text: str
    """Its message."""
    repeats: int = 0
    """How many more times it was raised within :data:`REPEAT_WINDOW` of the previous one."""
    last_seen: float = 0.0
    """Monotonic time it was last raised (for the repeat window)."""


class NoticeLog:
    """The app's notifications, newest last; says whether one is a repeat."""

    def __init__(self) -> None:
        self.notices: deque[Notice] = deque(maxlen=KEPT)
        """Kept notifications, oldest first."""

    def record(self, at: datetime, monotonic: float, severity: str, title: str, text: str) -> bool:
        """Keep one notification; True when it should show a toast (it is not a recent repeat)."""
        for notice in reversed(self.notices):
            if monotonic - notice.last_seen > REPEAT_WINDOW:
                break
            if (notice.severity, notice.title, notice.text) == (severity, title, text):
                notice.repeats += 1
                notice.last_seen = monotonic
                return False
        self.notices.append(Notice(at, severity, title, text, 0, monotonic))
        return True

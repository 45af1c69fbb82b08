"""App-wide messages (past tense; "latest wins" ones define can_replace)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from oncall_tui.services.polling import Failed, Fresh


@dataclass
class SourcePolled(Message):
    """A poller finished one fetch; carries the whole new snapshot (never a delta)."""

    key: str
    """Poller key, e.g. ``prometheus``, ``alertmanager``, ``jaeger``."""
    result: Fresh[Any] | Failed[Any]
    """The result: new data, or the failure with the last good data."""

    def can_replace(self, message: Message) -> bool:
        # Only the newest result of a source matters; an older one still queued is dropped.
        return isinstance(message, SourcePolled) and message.key == self.key

"""App mixin: from the moment input reaches the app until the frame after it, worker threads wait.

See :mod:`oncall_tui.foreground` for why. The hold starts when a key, paste or mouse press is
dispatched and ends after the screen's next refresh (or at once when nothing needs redrawing):
``call_after_refresh`` runs its callback then.
"""

from __future__ import annotations

from typing import Any

from textual import events

from oncall_tui.foreground import foreground

_ANSWERED = (events.Key, events.Paste, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)


class InputFirst:
    """Holds :data:`oncall_tui.foreground.foreground` while the app answers input."""

    async def on_event(self, event: events.Event) -> None:
        answering = isinstance(event, _ANSWERED) and not event.is_forwarded
        if answering:
            foreground.hold()
        await super().on_event(event)  # type: ignore[misc]
        if answering:
            app: Any = self
            app.call_after_refresh(foreground.release)

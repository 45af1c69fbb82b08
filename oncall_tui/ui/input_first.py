"""App mixin: from the moment input arrives until the frame after it, worker threads wait.

See :mod:`oncall_tui.foreground` for why. The hold starts in the terminal's input thread, as soon
as a key, paste or mouse press is read (the driver's ``send_message``: worker threads then stop at
their next checkpoint while the key is still on its way to the event loop), again when the app
dispatches it (the headless driver of tests has no input thread), and ends after the screen's next
refresh (or at once when nothing needs redrawing): ``call_after_refresh`` runs its callback then.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

from textual import events
from textual.driver import Driver
from textual.message import Message

from oncall_tui.foreground import foreground

_ANSWERED = (events.Key, events.Paste, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)


@cache
def holding_driver(base: type[Driver]) -> type[Driver]:
    """``base`` whose input thread holds the foreground before it hands input to the app."""

    class HoldingDriver(base):  # type: ignore[valid-type,misc]
        def send_message(self, message: Message) -> None:
            if isinstance(message, _ANSWERED):
                foreground.hold()
            super().send_message(message)

    HoldingDriver.__name__ = HoldingDriver.__qualname__ = f"Holding{base.__name__}"
    return HoldingDriver


class InputFirst:
    """Holds :data:`oncall_tui.foreground.foreground` while the app answers input."""

    def get_driver_class(self) -> type[Driver]:
        return holding_driver(super().get_driver_class())  # type: ignore[misc]

    def _on_mount(self, event: events.Mount) -> None:
        # The event loop's thread answers input: it passes every checkpoint without waiting.
        foreground.answer_from(threading.get_ident())

    async def on_event(self, event: events.Event) -> None:
        answering = isinstance(event, _ANSWERED) and not event.is_forwarded
        if answering:
            foreground.hold()
        await super().on_event(event)  # type: ignore[misc]
        if answering:
            app: Any = self
            app.call_after_refresh(foreground.release)

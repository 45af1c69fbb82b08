"""Guards against known bugs of Textual (8.2.8, the newest release), installed once by the app.

Each guard patches the one place in Textual where the bug lives, idempotently, and is kept
tested (tests/unit/test_textual_guards.py, tests/pilot/test_terminal_pty.py) so an upgrade that
moves the code shows up as a failing test rather than as a frozen or crashing app.

1. **Negative timer interval (100% CPU forever).** ``ToastRack.show`` checks that a notification
   has not expired, then ``Toast.__init__`` reads ``notification.time_left`` again; if the toast
   expired in between (a toast shown as a screen changes) the toast's ``set_timer`` gets a
   negative delay. ``Timer._run`` then computes ``count = int((now - start) / interval + 1)`` = 0
   forever and ``continue``\\s without awaiting: the event loop spins and never runs again. A zero
   interval divides by zero instead. The guard makes every ``Timer`` interval at least
   :data:`MIN_TIMER_INTERVAL`: an overdue one-shot timer fires at once, as intended.
2. **``NO_COLOR`` crash.** With ``NO_COLOR`` set, Textual filters every line through
   ``Monochrome``, whose ``monochrome_style`` reads ``style.color`` of segments that have no style
   (``None``), so the first frame with such a segment (the alert table) raises AttributeError.
   The guard lets unstyled segments through unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import textual.filter
import textual.timer
from rich.style import Style
from textual.content import Content
from textual.markup import MarkupError

MIN_TIMER_INTERVAL = 0.001
"""Shortest interval any Textual timer gets, in seconds (non-positive and NaN intervals become this)."""

_INSTALLED_MARK = "_oncall_tui_guarded"


def safe_interval(seconds: float) -> float:
    """``seconds`` when it is a usable timer interval, else :data:`MIN_TIMER_INTERVAL`."""
    if math.isnan(seconds) or seconds < MIN_TIMER_INTERVAL:
        return MIN_TIMER_INTERVAL
    return seconds


def markup_is_valid(text: str) -> bool:
    """Whether Textual can parse ``text`` as markup (a toast with bad markup raises while it is drawn)."""
    try:
        Content.from_markup(text)
    except MarkupError:
        return False
    return True


def install() -> None:
    """Install every guard (a second call does nothing)."""
    _guard_timer_interval()
    _guard_monochrome_filter()


def installed() -> bool:
    """Whether :func:`install` has run in this process."""
    return bool(getattr(textual.timer.Timer.__init__, _INSTALLED_MARK, False)) and bool(
        getattr(textual.filter.monochrome_style, _INSTALLED_MARK, False)
    )


def _guard_timer_interval() -> None:
    original: Callable[..., None] = textual.timer.Timer.__init__
    if getattr(original, _INSTALLED_MARK, False):
        return

    def __init__(
        self: textual.timer.Timer, event_target: Any, interval: float, *args: Any, **kwargs: Any
    ) -> None:
        original(self, event_target, safe_interval(interval), *args, **kwargs)

    setattr(__init__, _INSTALLED_MARK, True)
    __init__.__doc__ = original.__doc__
    textual.timer.Timer.__init__ = __init__  # type: ignore[method-assign]


def _guard_monochrome_filter() -> None:
    original: Callable[[Style], Style] = textual.filter.monochrome_style
    if getattr(original, _INSTALLED_MARK, False):
        return

    def monochrome_style(style: Style | None) -> Style | None:
        # An unstyled segment has no colour to convert.
        return None if style is None else original(style)

    setattr(monochrome_style, _INSTALLED_MARK, True)
    # Monochrome.apply looks the function up in the module at every call.
    textual.filter.monochrome_style = monochrome_style  # type: ignore[assignment]

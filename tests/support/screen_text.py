"""What the terminal shows: the current screen rendered to plain lines (as a user reads it)."""

from __future__ import annotations

from typing import Any


def screen_lines(app: Any) -> list[str]:
    """Every line of the topmost screen (a dialog included), rendered by the compositor, right-trimmed."""
    strips = app.screen._compositor.render_strips()
    return [strip.text.rstrip() for strip in strips]


def screen_text(app: Any) -> str:
    """:func:`screen_lines` joined with newlines."""
    return "\n".join(screen_lines(app))

"""What the terminal shows: the current screen rendered to plain text lines, as a user would read it."""

from __future__ import annotations

from typing import Any


def screen_lines(app: Any) -> list[str]:
    """Every line of the current screen as rendered now (through each widget's render, caches included)."""
    update = app.screen._compositor.render_full_update(simplify=True)
    return ["".join(strip.text for strip in line) for line in update.strips]


def screen_text(app: Any) -> str:
    """The current screen as one string, lines joined with newlines."""
    return "\n".join(screen_lines(app))

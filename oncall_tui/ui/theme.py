"""Turn theme files into Textual themes; declare the semantic theme variables."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.theme import Theme

from oncall_tui.models.theme_colours import SEMANTIC_VARIABLES

if TYPE_CHECKING:
    from oncall_tui.theme_files import ThemeFile


def to_textual_theme(theme: ThemeFile) -> Theme:
    """A validated theme file as a Textual Theme, semantic variables filled in."""
    return Theme(
        name=theme.name,
        primary=theme.primary,
        secondary=theme.secondary,
        accent=theme.accent,
        foreground=theme.foreground,
        background=theme.background,
        surface=theme.surface,
        panel=theme.panel,
        success=theme.success,
        warning=theme.warning,
        error=theme.error,
        dark=theme.dark,
        variables=theme.all_variables(),
    )


VARIABLE_DEFAULTS = dict(SEMANTIC_VARIABLES)
"""Returned by ``App.get_theme_variable_defaults`` so Textual's built-in themes work too."""

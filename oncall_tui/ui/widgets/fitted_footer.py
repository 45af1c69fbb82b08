"""A footer that always shows help and quit: the screen's least important keys give way first.

Textual's footer lays every shown binding in a row and cuts whatever does not fit at the right
edge; the app's own keys (``:``, ``?``, ``q``) come last, so at 80 columns a busy screen hid
``?`` and ``q``. This footer keeps the bindings in their order but, when the row is too wide,
drops the screen's keys from its end (the most important come first in each screen's table)
until the keys the app marks essential fit. Everything dropped is still listed by ``?``.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.events import Resize
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

ESSENTIAL_BINDING_IDS = frozenset({"help", "quit"})
"""Binding ids the footer shows whatever the width."""

PALETTE_WIDTH = 12
"""Columns the command-palette key takes at the right end (``▏^p Palette``)."""


def fit_bindings(shown: list[tuple[Binding, int]], width: int) -> list[Binding]:
    """The bindings of ``shown`` (each with the columns it takes) that fit ``width``: every essential one,
    and as many of the others as fit, dropping from the end of the list."""
    kept = list(shown)
    total = sum(columns for _, columns in kept)
    index = len(kept) - 1
    while total > width and index >= 0:
        binding, columns = kept[index]
        if binding.id not in ESSENTIAL_BINDING_IDS:
            del kept[index]
            total -= columns
        index -= 1
    return [binding for binding, _ in kept]


class FittedFooter(Footer):
    """Textual's compact footer, fitted to its width (see the module's note)."""

    def __init__(self) -> None:
        super().__init__(compact=True)
        self._composed_width = 0

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        width = self.size.width or self.app.size.width
        self._composed_width = width
        active = self.screen.active_bindings
        shown: dict[str, tuple[Binding, bool, str]] = {}
        for _node, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in shown:  # one key per action, as Footer does
                shown[binding.action] = (binding, enabled, tooltip)
        measured = [(binding, self._columns(binding)) for binding, _enabled, _tooltip in shown.values()]
        palette = PALETTE_WIDTH if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE else 0
        kept = {id(binding) for binding in fit_bindings(measured, width - palette)}
        self.styles.grid_size_columns = len(kept)
        for binding, enabled, tooltip in shown.values():
            if id(binding) in kept:
                yield FooterKey(
                    binding.key,
                    self.app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    disabled=not enabled,
                    tooltip=tooltip,
                ).data_bind(compact=Footer.compact)
        yield from self._palette_key(active)

    def _palette_key(self, active: dict[str, ActiveBinding]) -> Iterable[FooterKey]:
        if not (self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE):
            return
        entry = active.get(self.app.COMMAND_PALETTE_BINDING)
        if entry is None:
            return
        _node, binding, enabled, _tooltip = entry
        yield FooterKey(
            binding.key,
            self.app.get_key_display(binding),
            binding.description,
            binding.action,
            classes="-command-palette",
            disabled=not enabled,
            tooltip=binding.tooltip or binding.description,
        )

    def _columns(self, binding: Binding) -> int:
        # A compact key: its key, a space, its description, a space between keys.
        return cell_len(self.app.get_key_display(binding)) + 1 + cell_len(binding.description) + 1

    def on_resize(self, event: Resize) -> None:
        if event.size.width != self._composed_width and self._bindings_ready:
            self.call_after_refresh(self.recompose)

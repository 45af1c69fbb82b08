"""A keyboard list picker (dashboards, variable values, exemplars to open)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from oncall_tui.ui.screens.modals import MODAL_CSS
from oncall_tui.ui.widgets.lists import PickList


class ChoiceModal(ModalScreen[str | None]):
    """Pick one of ``choices`` (``(id, text)``); enter picks, escape cancels (None)."""

    DEFAULT_CSS = MODAL_CSS.format(name="ChoiceModal") + "ChoiceModal OptionList { max-height: 16; }"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="choice-cancel", tooltip="Close without choosing"),
    ]

    def __init__(self, title: str, choices: Sequence[tuple[str, str]], current: str | None = None) -> None:
        super().__init__()
        self._title = title
        self._choices = list(choices)
        self._current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self._title, classes="modal-title")
            yield PickList(*(Option(text, id=key) for key, text in self._choices), id="choices")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        keys = [key for key, _ in self._choices]
        if self._current in keys:
            options.highlighted = keys.index(self._current)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)

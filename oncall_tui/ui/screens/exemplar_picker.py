"""Pick one of an alert's exemplar traces: when, value, trace id, failed or not; enter opens it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from oncall_tui.domain.exemplars import ExemplarTrace
from oncall_tui.ui.screens.modals import MODAL_CSS
from oncall_tui.ui.widgets.lists import PickList


def exemplar_line(trace: ExemplarTrace) -> Text:
    """``14:02:31  0.734  4bf92f3577b34da6a3ce929d0e0e4736  failed`` (local time, as the detail shows)."""
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(f"{trace.at.astimezone():%H:%M:%S}  ")
    line.append(f"{trace.value:>8.4g}  ")
    line.append(trace.trace_id)
    line.append("  failed" if trace.error else "  ok", style="bold red" if trace.error else "dim")
    return line


class ExemplarPicker(ModalScreen[str | None]):
    """The exemplar traces of an alert's expression, the preferred one first; enter opens the trace."""

    DEFAULT_CSS = (
        MODAL_CSS.format(name="ExemplarPicker")
        + """
    ExemplarPicker > Vertical { width: 76; }
    ExemplarPicker OptionList, ExemplarPicker OptionList:focus {
        height: auto; max-height: 16; border: none; padding: 0;
    }
    ExemplarPicker .columns { color: $text-muted; }
    """
    )
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("escape", "cancel", "Cancel", id="exemplars-cancel", tooltip="Close without opening a trace"),
    ]

    def __init__(self, title: str, traces: Sequence[ExemplarTrace], note: str) -> None:
        super().__init__()
        self._title = title
        self._traces = list(traces)
        self._note = note

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self._title), classes="modal-title")
            yield Static(Text(self._note), classes="hint")
            yield Static(f"{'time':<10}{'value':>8}  {'trace id':<34}errors", classes="columns")
            yield PickList(
                *(Option(exemplar_line(t), id=t.trace_id) for t in self._traces), id="exemplar-list"
            )
            yield Static("enter opens the trace · esc closes", classes="hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)

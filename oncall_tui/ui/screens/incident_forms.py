"""Dialogs of the incident screens: multi-line text (notes, fields), status, action item, new incident.

Keyboard only, like every dialog: tab moves between fields, escape cancels. A multi-line field
takes enter as a new line, so ``f2`` (or ``ctrl+r``) saves it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from oncall_tui.models.incident import IncidentStatus
from oncall_tui.models.incident_record import FIELD_LABELS, INCIDENT_FIELDS, IncidentFields
from oncall_tui.store.incident_records import MANUAL_SEVERITIES
from oncall_tui.ui.screens.modals import MODAL_CSS
from oncall_tui.ui.widgets.lists import PickList

STATUS_KEYS: dict[str, IncidentStatus] = {
    "t": IncidentStatus.TRIGGERED,
    "a": IncidentStatus.ACKNOWLEDGED,
    "m": IncidentStatus.MITIGATED,
    "r": IncidentStatus.RESOLVED,
}
"""Keys of the status dialog."""


def _say(field: Static, problem: str) -> None:
    field.update(f"✖ {problem}" if problem else "")
    field.display = bool(problem)


class TextModal(ModalScreen[str | None]):
    """Multi-line text (a note, the impact, the root cause…); f2 saves, escape cancels."""

    DEFAULT_CSS = (
        MODAL_CSS.format(name="TextModal")
        + """
    TextModal TextArea { height: 8; margin-top: 1; }
    """
    )
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        # Not ctrl+s: a terminal with flow control on takes it before the app sees it.
        Binding("f2,ctrl+r", "save", "Save", id="text-save", tooltip="Save the text"),
        Binding("escape", "cancel", "Cancel", id="text-cancel", tooltip="Close without saving"),
    ]

    def __init__(self, title: str, text: str = "", *, allow_empty: bool = False) -> None:
        super().__init__()
        self._title = title
        self._text = text
        self._allow_empty = allow_empty

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self._title, classes="modal-title")
            yield TextArea(self._text, id="text-body", soft_wrap=True, show_line_numbers=False)
            yield Static("", id="text-error", classes="field-error")
            yield Static("f2 saves · enter new line · escape cancels", classes="hint")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        text = self.query_one(TextArea).text
        if not text.strip() and not self._allow_empty:
            _say(self.query_one("#text-error", Static), "nothing written")
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class StatusModal(ModalScreen[IncidentStatus | None]):
    """Pick the new status with one key."""

    DEFAULT_CSS = MODAL_CSS.format(name="StatusModal")
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        *(
            Binding(key, f"pick('{status.value}')", status.value.capitalize(), id=f"status-{status.value}")
            for key, status in STATUS_KEYS.items()
        ),
        Binding("escape", "cancel", "Cancel", id="status-cancel", tooltip="Keep the status"),
    ]

    def __init__(self, current: IncidentStatus) -> None:
        super().__init__()
        self._current = current

    def compose(self) -> ComposeResult:
        lines = [
            f"  {key}  {status.value}" + ("  (now)" if status is self._current else "")
            for key, status in STATUS_KEYS.items()
        ]
        with Vertical():
            yield Label("Change status", classes="modal-title")
            yield Static("\n".join(lines), id="status-choices")
            yield Static("resolved asks for a one-line resolution · escape cancels", classes="hint")

    def action_pick(self, value: str) -> None:
        self.dismiss(IncidentStatus(value))

    def action_cancel(self) -> None:
        self.dismiss(None)


class FieldPicker(ModalScreen[str | None]):
    """Choose which post-mortem field to edit (current values shown, one line each)."""

    DEFAULT_CSS = (
        MODAL_CSS.format(name="FieldPicker")
        + """
    FieldPicker OptionList { height: auto; max-height: 12; margin-top: 1; }
    """
    )
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("escape", "cancel", "Cancel", id="fields-cancel", tooltip="Close"),
    ]

    def __init__(self, fields: IncidentFields) -> None:
        super().__init__()
        self._fields = fields

    def compose(self) -> ComposeResult:
        options = []
        for name in INCIDENT_FIELDS:
            value = " ".join(self._fields.get(name).split())
            shown = (value[:40] + "…") if len(value) > 41 else value or "—"
            options.append(Option(f"{FIELD_LABELS[name]:<22} {shown}", id=name))
        with Vertical():
            yield Label("Edit a field", classes="modal-title")
            yield PickList(*options, id="field-options")
            yield Static("enter edits · escape closes", classes="hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True, slots=True)
class ActionItemRequest:
    """What the action item dialog asked for."""

    text: str
    """What to do."""
    owner: str
    """Who ('' if nobody yet)."""
    due: date | None
    """By when."""


def parse_due(text: str, today: date) -> date | None:
    """``2026-03-08``, ``+7d`` / ``+2w`` from today, or '' (no date); ValueError says what is expected."""
    value = text.strip()
    if not value:
        return None
    if value.startswith("+") and value[1:-1].isdigit() and value[-1] in "dw":
        count = int(value[1:-1])
        return today + timedelta(days=count * (7 if value[-1] == "w" else 1))
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date: expected e.g. 2026-03-08 or +7d") from None


class ActionItemModal(ModalScreen[ActionItemRequest | None]):
    """A new action item: text, owner, due date."""

    DEFAULT_CSS = MODAL_CSS.format(name="ActionItemModal")
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("escape", "cancel", "Cancel", id="item-cancel", tooltip="Close without adding"),
        Binding("f2,ctrl+r", "submit", "Add", id="item-submit", tooltip="Add the action item"),
    ]

    def __init__(self, today: Callable[[], date]) -> None:
        super().__init__()
        self._today = today

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("New action item", classes="modal-title")
            yield Label("What", classes="field-label")
            yield Input(placeholder="e.g. alert on connection pool saturation", id="item-text", compact=True)
            yield Label("Owner", classes="field-label")
            yield Input(id="item-owner", compact=True)
            yield Label("Due (2026-03-08, +7d, or empty)", classes="field-label")
            yield Input(id="item-due", compact=True)
            yield Static("", id="item-error", classes="field-error")
            yield Static("enter adds · tab next field · escape cancels", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#item-text", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        error = self.query_one("#item-error", Static)
        text = self.query_one("#item-text", Input).value
        if not text.strip():
            _say(error, "say what is to be done")
            self.query_one("#item-text", Input).focus()
            return
        try:
            due = parse_due(self.query_one("#item-due", Input).value, self._today())
        except ValueError as exc:
            _say(error, str(exc))
            self.query_one("#item-due", Input).focus()
            return
        self.dismiss(ActionItemRequest(text, self.query_one("#item-owner", Input).value, due))

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True, slots=True)
class NewIncidentRequest:
    """What the new incident dialog asked for."""

    title: str
    """One-line summary."""
    severity: str
    """critical, warning, info or none."""
    alerts: tuple[str, ...]
    """Alertnames or fingerprints typed (resolved against the firing alerts by the screen)."""


class NewIncidentModal(ModalScreen[NewIncidentRequest | None]):
    """Open an incident by hand: title, severity, optional alerts."""

    DEFAULT_CSS = MODAL_CSS.format(name="NewIncidentModal")
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("escape", "cancel", "Cancel", id="new-incident-cancel", tooltip="Close without opening"),
        Binding("f2,ctrl+r", "submit", "Open", id="new-incident-submit", tooltip="Open the incident"),
    ]

    def __init__(self, alerts: str = "") -> None:
        super().__init__()
        self._alerts = alerts

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("New incident", classes="modal-title")
            yield Label("Title", classes="field-label")
            yield Input(placeholder="what is wrong, in one line", id="new-title", compact=True)
            yield Label(f"Severity ({', '.join(MANUAL_SEVERITIES)})", classes="field-label")
            yield Input("critical", id="new-severity", compact=True)
            yield Label(
                "Alerts (optional): alertnames or fingerprints, comma-separated", classes="field-label"
            )
            yield Input(self._alerts, id="new-alerts", compact=True)
            yield Static("", id="new-error", classes="field-error")
            yield Static("enter opens · tab next field · escape cancels", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#new-title", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        error = self.query_one("#new-error", Static)
        title = " ".join(self.query_one("#new-title", Input).value.split())
        severity = self.query_one("#new-severity", Input).value.strip().lower()
        if not title:
            _say(error, "an incident needs a title")
            self.query_one("#new-title", Input).focus()
            return
        if severity not in MANUAL_SEVERITIES:
            _say(error, f"severity must be one of {', '.join(MANUAL_SEVERITIES)}")
            self.query_one("#new-severity", Input).focus()
            return
        names = tuple(p.strip() for p in self.query_one("#new-alerts", Input).value.split(",") if p.strip())
        self.dismiss(NewIncidentRequest(title, severity, names))

    def action_cancel(self) -> None:
        self.dismiss(None)


def today_of(now: Callable[[], datetime]) -> Callable[[], date]:
    """``date`` of ``now()`` in local time (what "today" means to the engineer typing +7d)."""
    return lambda: now().astimezone().date()

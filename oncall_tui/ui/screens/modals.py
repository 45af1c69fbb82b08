"""Dialogs: ack (duration, comment, until resolved), confirm, silence editor with live preview, prompts.

Every dialog works with the keyboard alone: tab moves between fields, enter in a field
submits, escape cancels. Input errors are shown under the field as they are typed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Static

from oncall_tui.domain.alert_queue import silence_preview
from oncall_tui.domain.durations import ack_end, format_duration
from oncall_tui.domain.matchers import Matcher, ParseError, parse_matchers, validate_silence_matchers
from oncall_tui.errors import OncallError
from oncall_tui.models.alertmanager import Alert

TYPED_PAUSE = 1.0
"""Seconds after another key during which a ``y`` in a confirmation counts as typed text, not a yes."""

MODAL_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 74; max-width: 100%; height: auto; max-height: 100%;
    border: round $primary; background: $surface; padding: 0 1;
}}
{name} .modal-title {{ text-style: bold; color: $accent; }}
{name} .field-label {{ color: $text-muted; margin-top: 1; }}
{name} Input {{ margin: 0; }}
{name} .field-error {{ color: $error; height: auto; display: none; }}
{name} .hint {{ color: $text-muted; margin-top: 1; }}
"""

_CLOCK_TIME = re.compile(r"^\d{1,2}:\d{2}$")


def _say(field: Static, problem: str) -> None:
    """Show a field's error line only while there is an error (no blank line under a good field)."""
    field.update(f"✖ {problem}" if problem else "")
    field.display = bool(problem)


def parse_end(text: str, now: datetime, default: timedelta) -> tuple[str | None, datetime | None]:
    """Split the duration field into a duration (``2h``) or an end time (``14:30`` today, or ISO).

    Returns ``(duration, ends_at)``; raises ValueError with a message for the field.
    """
    value = text.strip()
    if _CLOCK_TIME.match(value):
        hour, minute = (int(p) for p in value.split(":"))
        if hour > 23 or minute > 59:
            raise ValueError(f"{value!r} is not a time of day")
        local = now.astimezone()
        end = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if end <= local and end + timedelta(days=1) - local <= timedelta(hours=12):
            # "00:30" typed at 23:30 means tonight; "12:30" typed at 13:02 is a slip, reported as past.
            end += timedelta(days=1)
        return None, end
    if "T" in value and "-" in value:
        try:
            end = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a date and time (e.g. 2026-03-11T14:30)") from None
        if end.tzinfo is None:
            end = end.astimezone()
        return None, end
    return value, None


def check_end(text: str, now: datetime, default: timedelta) -> datetime:
    """The end the field's text means, or ValueError (empty, not a duration, in the past)."""
    duration, ends_at = parse_end(text, now, default)
    return ack_end(now, duration, ends_at, default)


@dataclass(frozen=True, slots=True)
class AckRequest:
    """What the ack dialog asked for."""

    duration: str | None
    """Duration text (``2h``), or None when an end time was given."""
    ends_at: datetime | None
    """End time, when typed as one."""
    comment: str
    """Free text for the silence and the log."""
    until_resolved: bool
    """Keep the ack while the alerts fire."""


class SpaceCheckbox(Checkbox, inherit_bindings=False):
    """A checkbox ticked with space only, so enter still submits the dialog."""

    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding(
            "space", "toggle_button", "Toggle", show=False, id="checkbox-toggle", tooltip="Tick or untick"
        ),
    ]


class AckModal(ModalScreen[AckRequest | None]):
    """Ack: duration (or end time), comment, "until resolved"."""

    DEFAULT_CSS = MODAL_CSS.format(name="AckModal")
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("escape", "cancel", "Cancel", id="ack-cancel", tooltip="Close without acking"),
        Binding("enter", "submit", "Ack", id="ack-submit", tooltip="Ack with these values"),
    ]

    def __init__(
        self,
        names: Sequence[str],
        *,
        default_duration: timedelta,
        until_resolved: bool,
        now: Callable[[], datetime],
        rejected: Callable[[AckRequest], None] | None = None,
    ) -> None:
        super().__init__()
        self._names = list(names)
        self._default = default_duration
        self._until = until_resolved
        self._now = now
        self._rejected = rejected

    def compose(self) -> ComposeResult:
        count = len(self._names)
        shown = ", ".join(self._names[:4]) + (f" +{count - 4} more" if count > 4 else "")
        with Vertical():
            yield Label(f"Ack {count} alert{'s' if count != 1 else ''}: {shown}", classes="modal-title")
            yield Label("Duration (30m, 2h, 1h30m) or end time (14:30)", classes="field-label")
            yield Input(format_duration(self._default), id="ack-duration", compact=True)
            yield Static("", id="ack-duration-error", classes="field-error")
            yield Label("Comment", classes="field-label")
            yield Input(placeholder="what you are doing about it", id="ack-comment", compact=True)
            yield SpaceCheckbox(_until_label(self._until), self._until, id="ack-until", compact=True)
            yield Static(
                "Until resolved: the app renews the ack while the alert fires, and lets it lapse after.\n"
                "enter acks · tab next field · escape cancels",
                classes="hint",
            )

    def on_mount(self) -> None:
        field = self.query_one("#ack-duration", Input)
        field.focus()
        field.action_select_all()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "ack-duration":
            self._validate()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = _until_label(event.value)
        self._validate()

    def _validate(self) -> bool:
        error = self.query_one("#ack-duration-error", Static)
        text = self.query_one("#ack-duration", Input).value
        if self.query_one("#ack-until", Checkbox).value and not text.strip():
            _say(error, "")
            return True
        try:
            check_end(text, self._now(), self._default)
        except ValueError as exc:
            _say(error, str(exc))
            return False
        _say(error, "")
        return True

    def _request(self) -> AckRequest:
        text = self.query_one("#ack-duration", Input).value
        until = self.query_one("#ack-until", Checkbox).value
        try:
            duration, ends_at = parse_end(text, self._now(), self._default)
        except ValueError:
            duration, ends_at = text, None
        if until and not text.strip():
            duration = None
        return AckRequest(duration, ends_at, self.query_one("#ack-comment", Input).value, until)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        request = self._request()
        if not self._validate():
            # Still logged (the attempt is part of the incident's story); the dialog stays open to fix it.
            if self._rejected is not None:
                self._rejected(request)
            self.query_one("#ack-duration", Input).focus()
            return
        self.dismiss(request)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _until_label(on: bool) -> str:
    # Spelled out: the tick alone is a colour change, easy to miss on a bad terminal.
    state = "ON" if on else "off"
    return f"until resolved: {state}  (space toggles)"


class ConfirmModal(ModalScreen[bool]):
    """A yes/no question for a destructive or loud action: only ``y`` confirms; ``n`` or escape declines.

    ``enter`` never means yes (it is pressed out of habit), and text typed into the dialog (the
    engineer was still typing when it opened) never confirms: a ``y`` within a second of another
    key is ignored.
    """

    DEFAULT_CSS = MODAL_CSS.format(name="ConfirmModal")
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("y", "answer(True)", "Yes", id="confirm-yes", tooltip="Do it"),
        Binding("n,escape", "answer(False)", "No", id="confirm-no", tooltip="Do not do it"),
    ]

    HINT = "y: yes · n / escape: no"
    """The keys, under the question."""

    def __init__(self, title: str, body: str | Text) -> None:
        super().__init__()
        self._title = title
        self._body = body
        self._typed_at = -TYPED_PAUSE

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self._title, classes="modal-title")
            yield Static(self._body, id="confirm-body")
            yield Static(self.HINT, id="confirm-hint", classes="hint")

    def on_key(self, event: Key) -> None:
        if event.key in ("y", "n", "escape"):
            return
        # Anything else (enter, or text meant for somewhere else) is not an answer: say so.
        self._typed_at = time.monotonic()
        event.stop()
        event.prevent_default()
        self.query_one("#confirm-hint", Static).update(f"only y confirms — {self.HINT}")

    def action_answer(self, answer: bool) -> None:
        if answer and time.monotonic() - self._typed_at < TYPED_PAUSE:
            return  # the y is part of text typed a moment ago
        self.dismiss(answer)


@dataclass(frozen=True, slots=True)
class SilenceRequest:
    """What the silence editor asked for."""

    matchers: tuple[Matcher, ...]
    """Parsed matchers."""
    duration: str | None
    """Duration text, or None when an end time was given."""
    ends_at: datetime | None
    """End time, when typed as one."""
    comment: str
    """Why."""


class SilenceEditor(ModalScreen[SilenceRequest | None]):
    """New silence from typed matchers, with a live preview of the alerts it would match."""

    DEFAULT_CSS = (
        MODAL_CSS.format(name="SilenceEditor")
        + """
    SilenceEditor #silence-preview { height: auto; max-height: 8; background: $panel; }
    """
    )
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("escape", "cancel", "Cancel", id="silence-cancel", tooltip="Close without creating"),
        Binding("ctrl+r", "submit", "Create", id="silence-submit", tooltip="Create the silence"),
    ]

    def __init__(
        self,
        alerts: Sequence[Alert],
        *,
        matchers: str = "",
        default_duration: timedelta,
        now: Callable[[], datetime],
    ) -> None:
        super().__init__()
        self._alerts = list(alerts)
        self._initial = matchers
        self._default = default_duration
        self._now = now
        self.matched: list[Alert] = []
        """Alerts the typed matchers select (the preview)."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("New silence", classes="modal-title")
            yield Label('Matchers: alertname="X", instance=~"web.*"', classes="field-label")
            yield Input(self._initial, id="silence-matchers", compact=True)
            yield Static("", id="silence-matchers-error", classes="field-error")
            yield Label("Duration (2h) or end time (14:30)", classes="field-label")
            yield Input(format_duration(self._default), id="silence-duration", compact=True)
            yield Static("", id="silence-duration-error", classes="field-error")
            yield Label("Comment", classes="field-label")
            yield Input(placeholder="why", id="silence-comment", compact=True)
            yield Label("Would silence:", id="silence-preview-title", classes="field-label")
            yield VerticalScroll(Static(id="silence-preview-body"), id="silence-preview")
            yield Static("enter creates · tab next field · escape cancels", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#silence-matchers", Input).focus()
        self._check()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._check()

    def _matchers(self) -> list[Matcher]:
        parsed = parse_matchers(self.query_one("#silence-matchers", Input).value)
        validate_silence_matchers(parsed)
        return parsed

    def _check(self) -> bool:
        ok = True
        error = self.query_one("#silence-matchers-error", Static)
        body = self.query_one("#silence-preview-body", Static)
        try:
            matchers = self._matchers()
        except ParseError as exc:
            _say(error, exc.message)
            body.update(Text("(fix the matchers to see the preview)", style="italic"))
            ok = False
        except OncallError as exc:
            _say(error, exc.message)
            body.update("")
            ok = False
        else:
            _say(error, "")
            self.matched = silence_preview(matchers, self._alerts)
            title = self.query_one("#silence-preview-title", Label)
            title.update(f"Would silence {len(self.matched)} of {len(self._alerts)} current alerts:")
            text = Text()
            for alert in self.matched[:50]:
                text.append(f"{alert.alertname} ", style="bold")
                text.append(" ".join(f"{k}={v}" for k, v in sorted(alert.labels.items()) if k != "alertname"))
                text.append("\n")
            if len(self.matched) > 50:
                text.append(f"… and {len(self.matched) - 50} more")
            body.update(text if self.matched else Text("no current alert", style="italic"))
        duration_error = self.query_one("#silence-duration-error", Static)
        try:
            check_end(self.query_one("#silence-duration", Input).value, self._now(), self._default)
        except ValueError as exc:
            _say(duration_error, str(exc))
            ok = False
        else:
            _say(duration_error, "")
        return ok

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        if not self._check():
            return
        text = self.query_one("#silence-duration", Input).value
        duration, ends_at = parse_end(text, self._now(), self._default)
        self.dismiss(
            SilenceRequest(
                tuple(self._matchers()), duration, ends_at, self.query_one("#silence-comment", Input).value
            )
        )

    def action_cancel(self) -> None:
        self.dismiss(None)


class PromptModal(ModalScreen[str | None]):
    """One line of input with a validator (group-by label, extend duration)."""

    DEFAULT_CSS = MODAL_CSS.format(name="PromptModal")
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("escape", "cancel", "Cancel", id="prompt-cancel", tooltip="Close"),
    ]

    def __init__(
        self,
        title: str,
        label: str,
        value: str = "",
        validate: Callable[[str], str | None] | None = None,
        hint: str = "enter confirms · escape cancels",
    ) -> None:
        super().__init__()
        self._title = title
        self._label = label
        self._value = value
        self._validate = validate
        self._hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self._title, classes="modal-title")
            yield Label(self._label, classes="field-label")
            yield Input(self._value, id="prompt-input", compact=True)
            yield Static("", id="prompt-error", classes="field-error")
            yield Static(self._hint, classes="hint")

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.focus()
        field.action_select_all()

    def _error(self, value: str) -> str | None:
        return self._validate(value) if self._validate is not None else None

    def on_input_changed(self, event: Input.Changed) -> None:
        _say(self.query_one("#prompt-error", Static), self._error(event.value) or "")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._error(event.value) is None:
            self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


def duration_problem(now: Callable[[], datetime], default: timedelta) -> Callable[[str], str | None]:
    """A PromptModal validator for a duration or end time."""

    def check(value: str) -> str | None:
        try:
            check_end(value, now(), default)
        except ValueError as exc:
            return str(exc)
        return None

    return check


__all__ = [
    "AckModal",
    "AckRequest",
    "ConfirmModal",
    "PromptModal",
    "SilenceEditor",
    "SilenceRequest",
    "check_end",
    "duration_problem",
    "parse_end",
]

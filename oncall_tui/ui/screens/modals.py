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
from textual.containers import Vertical
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Static

from oncall_tui.domain.durations import ack_end, format_age, format_duration
from oncall_tui.domain.silences import SilenceInfo

ACK_CSS = """
AckModal #ack-existing { color: $warning; margin-top: 1; height: auto; }
"""

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

NOISE_LABEL = "not actionable (noise): {}  (ctrl+n toggles)"
"""Label of the ack dialog's noise mark; the noise report counts acks marked so."""
_CLOCK_TIME = re.compile(r"^\d{1,2}:\d{2}$")


def _say(field: Static, problem: str) -> None:
    """Show a field's error line only while there is an error (no blank line under a good field)."""
    # Plain text: a problem quotes what was typed, and "[" in it is not markup (it raised MarkupError).
    field.update(Text(f"✖ {problem}") if problem else "")
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
    not_actionable: bool = False
    """The engineer marks the alert as noise: nothing to do about it (counted by the noise report)."""


class SpaceCheckbox(Checkbox, inherit_bindings=False):
    """A checkbox ticked with space only, so enter still submits the dialog."""

    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding(
            "space", "toggle_button", "Toggle", show=False, id="checkbox-toggle", tooltip="Tick or untick"
        ),
    ]


class AckModal(ModalScreen[AckRequest | None]):
    """Ack: duration (or end time), comment, "until resolved"."""

    DEFAULT_CSS = MODAL_CSS.format(name="AckModal") + ACK_CSS
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("escape", "cancel", "Cancel", id="ack-cancel", tooltip="Close without acking"),
        Binding("enter", "submit", "Ack", id="ack-submit", tooltip="Ack with these values"),
        Binding("ctrl+n", "toggle_noise", "Noise", id="ack-not-actionable", tooltip="Mark as not actionable"),
    ]

    def __init__(
        self,
        names: Sequence[str],
        *,
        default_duration: timedelta,
        until_resolved: bool,
        now: Callable[[], datetime],
        rejected: Callable[[AckRequest], None] | None = None,
        existing: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self._existing = list(existing)
        self._names = list(names)
        self._default = default_duration
        self._until = until_resolved
        self._now = now
        self._rejected = rejected

    def compose(self) -> ComposeResult:
        count = len(self._names)
        shown = ", ".join(self._names[:4]) + (f" +{count - 4} more" if count > 4 else "")
        with Vertical():
            # Plain text: alert names come from the server, and "[" in one is not markup.
            yield Label(Text(f"Ack {count} alert{'s' if count != 1 else ''}: {shown}"), classes="modal-title")
            if self._existing:
                # Someone is on it already: who, since when, why and until when, before anything is typed.
                lines = "\n".join(f"• {line}" for line in self._existing)
                yield Static(
                    Text(f"Already acked, yours would replace it (asked next):\n{lines}"), id="ack-existing"
                )
            yield Label("Duration (30m, 2h, 1h30m) or end time (14:30)", classes="field-label")
            yield Input(format_duration(self._default), id="ack-duration", compact=True)
            yield Static("", id="ack-duration-error", classes="field-error")
            yield Label("Comment", classes="field-label")
            yield Input(placeholder="what you are doing about it", id="ack-comment", compact=True)
            yield SpaceCheckbox(_until_label(self._until), self._until, id="ack-until", compact=True)
            yield SpaceCheckbox(NOISE_LABEL.format("no"), False, id="ack-noise", compact=True)
            yield Static(
                "Until resolved: the app renews the ack while the alert fires and ends it once it resolves.\n"
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
        if event.checkbox.id == "ack-noise":
            event.checkbox.label = NOISE_LABEL.format("YES" if event.value else "no")
            return
        event.checkbox.label = _until_label(event.value)
        self._validate()

    def action_toggle_noise(self) -> None:
        box = self.query_one("#ack-noise", Checkbox)
        box.value = not box.value

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
        noise = self.query_one("#ack-noise", Checkbox).value
        return AckRequest(duration, ends_at, self.query_one("#ack-comment", Input).value, until, noise)

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


def describe_ack(info: SilenceInfo, now: datetime) -> str:
    """``bob@host acked it 12m ago, until 14:30 (48m left): “on it”`` (local time)."""
    until = info.ends_at.astimezone()
    left = info.left(now)
    text = (
        f"{info.created_by} acked it {format_age(info.age(now))} ago, until {until:%H:%M}"
        f" ({format_age(left)} left)"
    )
    if info.until_resolved:
        text += ", until resolved"
    return text + (f": “{info.comment}”" if info.comment else "")


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
            # Plain text: bodies quote matchers and comments, where "[" is not markup.
            yield Label(Text(self._title), classes="modal-title")
            body = Text(self._body) if isinstance(self._body, str) else self._body
            yield Static(body, id="confirm-body")
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
    "check_end",
    "duration_problem",
    "parse_end",
]

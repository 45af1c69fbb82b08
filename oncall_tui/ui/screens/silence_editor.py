"""New silence: matchers with a live preview, an optional start (maintenance windows), an end, a
comment that is required, and a confirmation naming all of it before anything is created.

``enter`` in a field moves to the next one (a silence is never created by a stray ``enter`` in
the matcher field); ``ctrl+r`` checks every field and asks to confirm; ``escape`` cancels. Like
``amtool silence add`` (``require-comment`` on by default), a silence without a comment is refused:
the people it hides alerts from need to know why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from oncall_tui.domain.alert_queue import silence_preview
from oncall_tui.domain.durations import ack_end, format_duration
from oncall_tui.domain.matchers import (
    Matcher,
    ParseError,
    format_matchers,
    parse_matchers,
    validate_silence_matchers,
)
from oncall_tui.errors import OncallError
from oncall_tui.models.alertmanager import Alert
from oncall_tui.ui.screens.modals import MODAL_CSS, ConfirmModal, _say, parse_end


@dataclass(frozen=True, slots=True)
class SilenceRequest:
    """What the silence editor asked for (confirmed)."""

    matchers: tuple[Matcher, ...]
    """Parsed matchers."""
    duration: str | None
    """Duration text, counted from the start; None when an end time was given."""
    ends_at: datetime | None
    """End time, when typed as one."""
    comment: str
    """Why (never empty)."""
    starts_at: datetime | None = None
    """Start of a silence planned ahead (a maintenance window); None: now."""


def parse_start(text: str, now: datetime) -> datetime | None:
    """The start field: empty is now (None), ``14:30`` (the next such time) or ISO; ValueError if past."""
    value = text.strip()
    if not value or value.lower() == "now":
        return None
    _, start = parse_end(value, now, timedelta(0))
    if start is None:
        raise ValueError(f"{value!r}: a clock time (14:30) or a date and time (2026-03-11T22:00)")
    if start < now - timedelta(minutes=1):
        raise ValueError(f"{start.astimezone():%Y-%m-%d %H:%M} is in the past (leave it empty for now)")
    return start


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
        Binding("ctrl+r", "submit", "Create", id="silence-submit", tooltip="Check, confirm and create"),
    ]

    def __init__(
        self,
        alerts: Sequence[Alert],
        *,
        matchers: str = "",
        comment: str = "",
        default_duration: timedelta,
        now: Callable[[], datetime],
    ) -> None:
        super().__init__()
        self._alerts = list(alerts)
        self._initial = matchers
        self._comment = comment
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
            yield Label("Starts (empty: now; 22:00 or 2026-03-11T22:00 for a window)", classes="field-label")
            yield Input(placeholder="now", id="silence-start", compact=True)
            yield Static("", id="silence-start-error", classes="field-error")
            yield Label("Duration from the start (2h) or end time (14:30)", classes="field-label")
            yield Input(format_duration(self._default), id="silence-duration", compact=True)
            yield Static("", id="silence-duration-error", classes="field-error")
            yield Label("Comment (required: why, for whoever sees the silence)", classes="field-label")
            yield Input(self._comment, placeholder="why", id="silence-comment", compact=True)
            yield Static("", id="silence-comment-error", classes="field-error")
            yield Label("Would silence:", id="silence-preview-title", classes="field-label")
            yield VerticalScroll(Static(id="silence-preview-body"), id="silence-preview")
            yield Static(
                "ctrl+r checks and asks to confirm · enter next field · escape cancels", classes="hint"
            )

    def on_mount(self) -> None:
        self.query_one("#silence-matchers", Input).focus()
        self._check(comment=False)

    def on_input_changed(self, event: Input.Changed) -> None:
        # The comment is only required when creating: no error while the user has not got there.
        self._check(comment=event.input.id == "silence-comment")

    def _matchers(self) -> list[Matcher]:
        parsed = parse_matchers(self.query_one("#silence-matchers", Input).value)
        validate_silence_matchers(parsed)
        return parsed

    def _value(self, name: str) -> str:
        return self.query_one(f"#silence-{name}", Input).value

    def _check(self, *, comment: bool = True) -> bool:
        ok = self._check_matchers()
        now = self._now()
        start: datetime | None = None
        start_error = self.query_one("#silence-start-error", Static)
        try:
            start = parse_start(self._value("start"), now)
        except ValueError as exc:
            _say(start_error, str(exc))
            ok = False
        else:
            _say(start_error, "")
        duration_error = self.query_one("#silence-duration-error", Static)
        try:
            self._end(start or now)
        except ValueError as exc:
            _say(duration_error, str(exc))
            ok = False
        else:
            _say(duration_error, "")
        if comment:
            missing = not self._value("comment").strip()
            _say(self.query_one("#silence-comment-error", Static), "a comment is required" if missing else "")
            ok = ok and not missing
        return ok

    def _end(self, start: datetime) -> datetime:
        duration, ends_at = parse_end(self._value("duration"), start, self._default)
        end = ack_end(start, duration, ends_at, self._default)
        if end <= start:
            raise ValueError("the end is not after the start")
        return end

    def _check_matchers(self) -> bool:
        error = self.query_one("#silence-matchers-error", Static)
        body = self.query_one("#silence-preview-body", Static)
        try:
            matchers = self._matchers()
        except ParseError as exc:
            _say(error, exc.message)
            body.update(Text("(fix the matchers to see the preview)", style="italic"))
            return False
        except OncallError as exc:
            _say(error, exc.message)
            body.update("")
            return False
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
        return True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        # Enter moves on: creating a silence takes ctrl+r and a confirmation.
        event.stop()
        self.focus_next()

    def action_submit(self) -> None:
        if not self._check():
            return
        now = self._now()
        start = parse_start(self._value("start"), now)
        end = self._end(start or now)
        duration, ends_at = parse_end(self._value("duration"), start or now, self._default)
        request = SilenceRequest(
            tuple(self._matchers()), duration, ends_at, self._value("comment").strip(), start
        )
        begins = "now" if start is None else f"{start.astimezone():%Y-%m-%d %H:%M}"
        body = (
            f"{format_matchers(request.matchers)}\n"
            f"from {begins} until {end.astimezone():%Y-%m-%d %H:%M}"
            f" ({format_duration(end - (start or now))})\n"
            f"silencing {len(self.matched)} current alert{'s' if len(self.matched) != 1 else ''}\n"
            f"“{request.comment}”"
        )

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.dismiss(request)

        self.app.push_screen(ConfirmModal("Create this silence?", body), confirmed)

    def action_cancel(self) -> None:
        self.dismiss(None)

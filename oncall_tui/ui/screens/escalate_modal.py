"""Escalate? The dialog names the level and who is notified, takes an optional reason; only ``y`` says yes.

An escalation pages people: ``enter`` (easily pressed to leave the reason field, or out of habit)
must not trigger it. ``tab`` goes into the reason field, where ``enter`` only leaves it again;
outside it ``y`` escalates, ``n`` or ``escape`` cancels. The reason goes into the notification text and the
incident log (``…: <reason>``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from oncall_tui.ui.screens.modals import MODAL_CSS, TYPED_PAUSE


@dataclass(frozen=True, slots=True)
class EscalationPlan:
    """One group's escalation as the dialog shows it."""

    title: str
    """The group (alert name and where)."""
    line: str
    """``policy shop: to level 2 “secondary on-call”, notifying pagerduty, incident-channel`` or why not."""
    possible: bool
    """It can escalate (a policy applies and a level is left)."""


@dataclass(frozen=True, slots=True)
class EscalateRequest:
    """What the dialog answered yes with."""

    reason: str
    """Why (may be empty): added to the notification text and the log line."""


class EscalateModal(ModalScreen[EscalateRequest | None]):
    """Confirm an escalation: level and targets named, optional reason, ``y`` only."""

    DEFAULT_CSS = MODAL_CSS.format(name="EscalateModal")
    AUTO_FOCUS = ""
    """Nothing focused at first: ``y`` answers at once; the reason field is one ``tab`` away."""
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("y", "escalate", "Escalate", id="escalate-yes", tooltip="Escalate and notify (only y)"),
        Binding("n,escape", "cancel", "Cancel", id="escalate-no", tooltip="Do not escalate"),
    ]

    HINT = "y: escalate and notify · n / escape: cancel · tab: type a reason (enter leaves it)"
    """The keys, as the dialog states them."""

    def __init__(self, plans: list[EscalationPlan]) -> None:
        super().__init__()
        self._plans = plans
        self._typed_at = -TYPED_PAUSE

    def compose(self) -> ComposeResult:
        body = Text()
        for plan in self._plans:
            body.append(f"{plan.title}\n", style="bold")
            body.append(f"  {plan.line}\n", style="" if plan.possible else "italic")
        with Vertical():
            yield Label("Escalate?", classes="modal-title")
            yield Static(body, id="escalate-body")
            yield Label("Reason (optional; goes into the notification and the log)", classes="field-label")
            yield Input(
                placeholder="tab to type one, e.g. every checkout fails", id="escalate-reason", compact=True
            )
            yield Static(self.HINT, id="confirm-hint", classes="hint")

    def on_key(self, event: Key) -> None:
        if self.query_one("#escalate-reason", Input).has_focus or event.key in ("y", "n", "escape", "tab"):
            return
        # Anything else outside the reason field (enter, or text meant for somewhere else) is not an
        # answer: say so, and a y right after it is part of that text, not a yes.
        self._typed_at = time.monotonic()
        event.stop()
        event.prevent_default()
        self.query_one("#confirm-hint", Static).update(f"only y confirms — {self.HINT}")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        # Enter leaves the field; it never escalates. (Letters typed in the field are text: the
        # field takes them before the y/n bindings, so "y" in "yesterday" does not escalate.)
        event.stop()
        self.set_focus(None)
        # What was typed went into the field on purpose: a y now is an answer, not stray text.
        self._typed_at = -TYPED_PAUSE

    def action_escalate(self) -> None:
        if time.monotonic() - self._typed_at < TYPED_PAUSE:
            return  # the y is part of text typed a moment ago
        if not any(plan.possible for plan in self._plans):
            self.dismiss(None)
            return
        self.dismiss(EscalateRequest(self.query_one("#escalate-reason", Input).value.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)

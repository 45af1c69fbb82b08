"""App-wide messages (past tense)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from oncall_tui.services.actions import ActionResult


@dataclass
class ActionCompleted(Message):
    """A logged action run through the alert session finished (posted to every screen in the stack).

    Screens that show what actions change (an incident's timeline) refresh on it.
    """

    what: str
    """The action: ``ack``, ``unack``, ``escalate``, ``silence``, ``expire``, ``extend``…"""
    results: list[ActionResult]
    """Its results, one per target."""

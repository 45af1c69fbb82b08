"""The app SIGKILLed mid-work: committed incident-log entries survive with integrity_check clean, and an
ack whose answer was lost (Alertmanager got it, the app died) is delivered exactly once after a restart."""

from __future__ import annotations

from pathlib import Path

from tests.support.crash_children import ack_kills, store_kills


def test_incident_log_entries_survive_repeated_sigkill_during_writes(tmp_path: Path) -> None:
    kills, committed, lost = store_kills(4, tmp_path)
    assert committed > 0, "the writers committed entries before they were killed"
    assert (kills, lost) == (4, 0)


def test_acks_sent_into_a_silent_alertmanager_then_killed_are_delivered_exactly_once(tmp_path: Path) -> None:
    acks, duplicates_or_lost = ack_kills(2, tmp_path)
    assert (acks, duplicates_or_lost) == (2, 0)

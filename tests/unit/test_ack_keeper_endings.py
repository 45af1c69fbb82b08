"""An "ack until resolved" ends when its alerts resolve, and does not cover a new firing (issue 8, item 1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec

from oncall_tui.domain.silences import silence_marker
from oncall_tui.models.alertmanager import Alert, AlertStatus, Silence, SilenceMatcher, SilenceStatus
from oncall_tui.services.ack_keeper import due_endings, due_extensions, duplicates

ACKED_AT = datetime(2026, 3, 11, 3, 4, tzinfo=UTC)
LABELS = {"alertname": "Host_Down", "instance": "server1"}


def ack(comment: str, state: str = "active", created_by: str = "alice") -> Silence:
    return Silence(
        id="s1",
        matchers=[SilenceMatcher(name=k, value=v, is_regex=False) for k, v in LABELS.items()],
        starts_at=ACKED_AT,
        ends_at=ACKED_AT + timedelta(minutes=30),
        created_by=created_by,
        comment=comment,
        status=SilenceStatus(state=state),
    )


def firing(started: datetime) -> Alert:
    return Alert(
        labels=LABELS,
        fingerprint="f1",
        starts_at=started,
        status=AlertStatus(state="suppressed", silenced_by=["s1"]),
    )


UNTIL_RESOLVED = ack(f"on it {silence_marker('ackur-0123')}")


def test_an_until_resolved_ack_ends_once_its_alert_no_longer_fires() -> None:
    acked = firing(ACKED_AT - timedelta(minutes=3))
    assert due_endings([UNTIL_RESOLVED], [acked]) == []
    assert due_endings([UNTIL_RESOLVED], []) == [UNTIL_RESOLVED]
    # Whoever's app sees it: the ack means the same for everyone.
    colleagues = ack(UNTIL_RESOLVED.comment, created_by="bob")
    assert due_endings([colleagues], []) == [colleagues]


def test_a_new_firing_under_the_acks_matchers_is_not_acked_by_it() -> None:
    # Resolved at 03:06 and fired again at 03:11, between two polls: a later start is a new firing.
    refired = firing(ACKED_AT + timedelta(minutes=7))
    assert due_endings([UNTIL_RESOLVED], [refired]) == [UNTIL_RESOLVED]
    later = ACKED_AT + timedelta(minutes=20)
    assert due_extensions([UNTIL_RESOLVED], [refired], later, timedelta(minutes=30)) == []


def test_only_the_apps_active_until_resolved_acks_end() -> None:
    plain_ack = ack(f"on it {silence_marker('ack-0123')}")
    someone_elses = ack("maintenance")
    expired = ack(UNTIL_RESOLVED.comment, state="expired")
    assert due_endings([plain_ack, someone_elses, expired], []) == []


def test_a_second_copy_of_one_ack_is_ended_and_the_first_kept() -> None:
    # A stopped Alertmanager took the ack's request, the outbox retried it, both were applied.
    first = ack(f"on it {silence_marker('ack-0123')}")
    copy = msgspec.structs.replace(first, id="s2", starts_at=ACKED_AT + timedelta(seconds=20))
    other = msgspec.structs.replace(first, id="s3", comment=f"other {silence_marker('ack-4567')}")
    someone_elses = msgspec.structs.replace(first, id="s4", comment="maintenance")
    assert duplicates([copy, first, other, someone_elses]) == [copy]
    # An expired copy is no copy in force.
    assert duplicates([first, msgspec.structs.replace(copy, status=SilenceStatus(state="expired"))]) == []

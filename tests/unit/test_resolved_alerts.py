"""Resolved alerts are remembered with when they resolved; a re-fire or age forgets them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from oncall_tui.domain.resolved_alerts import describe_resolved, track_resolved
from oncall_tui.models.alertmanager import Alert

NOW = datetime(2026, 3, 11, 3, 0, tzinfo=UTC)


def alert(fp: str, instance: str) -> Alert:
    return Alert(labels={"alertname": "Host_Down", "instance": instance}, fingerprint=fp, starts_at=NOW)


def test_gone_alerts_are_resolved_at_that_poll_until_they_fire_again_or_age_out() -> None:
    before = [(alert("a", "server1"), "g"), (alert("b", "server2"), "g")]
    known, new = track_resolved({}, before, {"b"}, NOW)
    assert [r.alert.fingerprint for r in new] == ["a"] and known["a"].resolved_at == NOW
    assert describe_resolved(new) == "Resolved: Host_Down server1"
    # Still gone a poll later: remembered, not announced again.
    later = NOW + timedelta(seconds=15)
    known, new = track_resolved(known, [(alert("b", "server2"), "g")], {"b"}, later)
    assert new == [] and known["a"].resolved_at == NOW
    # Firing again: a new alert, no longer shown as resolved; an hour on, forgotten.
    assert "a" not in track_resolved(known, [], {"a", "b"}, later)[0]
    assert track_resolved(known, [], {"b"}, NOW + timedelta(hours=1))[0] == {}

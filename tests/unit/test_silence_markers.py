"""The app's mark on the silences it makes: short, readable, found again by a retry, hidden by the app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from oncall_tui.domain.silences import (
    SilenceInfo,
    has_marker,
    is_until_resolved_marker,
    marker_of,
    silence_marker,
    strip_marker,
)
from oncall_tui.models.alertmanager import Silence, SilenceMatcher, SilenceStatus

NOW = datetime(2026, 3, 11, 3, 0, tzinfo=UTC)


def silence(comment: str) -> Silence:
    return Silence(
        id="s1",
        matchers=[SilenceMatcher(name="alertname", value="X", is_regex=False)],
        starts_at=NOW,
        ends_at=NOW + timedelta(hours=1),
        created_by="alice",
        comment=comment,
        status=SilenceStatus(state="active"),
    )


def test_the_marker_is_short_and_a_retry_finds_it_by_its_key_or_its_code() -> None:
    key = "ackur-5f1e9a2c3d4e5f6a7b8c9d0e"
    comment = f"on it {silence_marker(key)}"
    assert comment.startswith("on it (oncall-tui u") and comment.endswith(")") and len(comment) == 30
    code = marker_of(comment)
    assert code is not None and has_marker(comment, key) and has_marker(comment, code)
    assert not has_marker(comment, "ackur-another") and not has_marker("on it", key)
    # Extending keeps the code: marking with the code gives the same marker.
    assert silence_marker(code) == silence_marker(key)
    assert is_until_resolved_marker(code) and strip_marker(comment) == "on it"


def test_acks_silences_and_other_peoples_silences_are_told_apart_and_never_show_the_marker() -> None:
    ack = SilenceInfo.of(silence(f"on it {silence_marker('ack-1')}"))
    made_here = SilenceInfo.of(silence(f"maintenance {silence_marker('sil-1')}"))
    legacy = SilenceInfo.of(silence("old one [oncall-tui:ackur-abc]"))
    theirs = SilenceInfo.of(silence("disk swap (ticket 42)"))
    assert (ack.is_ack, ack.by_app, ack.comment) == (True, True, "on it")
    assert (made_here.is_ack, made_here.by_app, made_here.comment) == (False, True, "maintenance")
    assert (legacy.is_ack, legacy.until_resolved, legacy.comment) == (True, True, "old one")
    assert (theirs.is_ack, theirs.by_app, theirs.comment) == (False, False, "disk swap (ticket 42)")


def test_extending_adds_to_the_current_end_and_a_past_end_counts_from_now() -> None:
    from oncall_tui.domain.silences import extended_end

    hour = timedelta(hours=1)
    assert extended_end(NOW + hour, NOW, 2 * hour, None) == NOW + 3 * hour
    assert extended_end(NOW - hour, NOW, 2 * hour, None) == NOW + 2 * hour
    assert extended_end(NOW + hour, NOW, None, NOW + 30 * timedelta(minutes=1)) < NOW + hour

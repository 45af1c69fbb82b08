"""The ack dialog's end-time field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from oncall_tui.ui.screens.modals import parse_end


def test_a_clock_time_just_after_midnight_means_tonight_not_this_morning() -> None:
    late = datetime(2026, 3, 11, 23, 30, tzinfo=UTC)  # TZ is pinned to UTC for the suite
    assert parse_end("00:30", late, timedelta(hours=1)) == (None, late + timedelta(hours=1))
    afternoon = datetime(2026, 3, 11, 13, 2, tzinfo=UTC)
    _, end = parse_end("12:30", afternoon, timedelta(hours=1))
    assert end is not None and end < afternoon  # a slip: left in the past for the dialog to refuse

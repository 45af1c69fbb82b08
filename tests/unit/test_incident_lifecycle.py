"""An incident whose alerts resolve waits out a grace period, then resolves; a re-fire within it re-joins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from oncall_tui.domain.incident_lifecycle import (
    ALERTS_REFIRED,
    ALERTS_RESOLVED,
    OpenIncident,
    Step,
    lifecycle_decisions,
    quiet_since,
)

NOW = datetime(2026, 3, 11, 3, 0, tzinfo=UTC)
GRACE = timedelta(minutes=5)


def test_quiet_alerts_start_the_grace_period_and_resolve_the_incident_after_it() -> None:
    firing = OpenIncident(1, "g1", None)
    assert lifecycle_decisions([firing], {"g1"}, NOW, GRACE) == []
    (quiet,) = lifecycle_decisions([firing], set(), NOW, GRACE)
    assert quiet.step is Step.QUIET and "resolves by itself in 5m unless one fires again" in quiet.text
    waiting = OpenIncident(1, "g1", NOW)
    assert lifecycle_decisions([waiting], set(), NOW + timedelta(minutes=4, seconds=59), GRACE) == []
    (done,) = lifecycle_decisions([waiting], set(), NOW + GRACE, GRACE)
    assert done.step is Step.RESOLVE and done.text == "resolved automatically: no alert fired for 5m"


def test_a_refire_within_the_grace_period_rejoins_the_incident() -> None:
    (rejoin,) = lifecycle_decisions([OpenIncident(7, "g1", NOW)], {"g1"}, NOW + timedelta(minutes=2), GRACE)
    assert rejoin.incident_id == 7 and rejoin.step is Step.REJOIN
    assert "fired again 2m after resolving (within the 5m grace period)" in rejoin.text


def test_no_grace_resolves_at_once_and_the_timeline_remembers_quiet_spells() -> None:
    (done,) = lifecycle_decisions([OpenIncident(1, "g1", None)], set(), NOW, timedelta(0))
    assert done.step is Step.RESOLVE
    minute = timedelta(minutes=1)
    timeline = [("opened", NOW), (ALERTS_RESOLVED, NOW + minute), (ALERTS_REFIRED, NOW + 2 * minute)]
    assert quiet_since(timeline) is None
    assert quiet_since([*timeline, (ALERTS_RESOLVED, NOW + 3 * minute), ("note", NOW + 4 * minute)]) == (
        NOW + 3 * minute
    )

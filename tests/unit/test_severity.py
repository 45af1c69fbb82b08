"""Severity ranks, response timers and queue order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from oncall_tui.config.alerting import AlertSettings
from oncall_tui.config.settings import Settings
from oncall_tui.domain.durations import format_age, format_duration, parse_duration
from oncall_tui.domain.severity import SeverityPolicy
from oncall_tui.models.alertmanager import Alert

NOW = datetime(2026, 3, 11, 13, 0, tzinfo=UTC)


def alert(fp: str, severity: str | None, minutes_ago: float) -> Alert:
    labels = {"alertname": "A"}
    if severity is not None:
        labels["severity"] = severity
    return Alert(labels=labels, fingerprint=fp, starts_at=NOW - timedelta(minutes=minutes_ago))


def test_default_ranks_put_critical_above_warning_above_info_above_the_rest() -> None:
    policy = SeverityPolicy.from_settings(AlertSettings())
    ranks = [policy.rank_of({"severity": s}) for s in ("critical", "warning", "info", "bogus")]
    assert ranks == [3, 2, 1, 0]
    assert policy.classify({}) == ("none", 0)
    assert policy.classify({"severity": "CRITICAL"}) == ("critical", 3)


def test_label_name_order_and_aliases_are_configurable() -> None:
    settings = AlertSettings(
        severity_label="priority",
        severity_order=["p1", "p2", "p3", "p4"],
        severity_aliases={"page": "p1"},
        response_timers={},
    )
    policy = SeverityPolicy.from_settings(settings)
    assert policy.classify({"priority": "page"}) == ("p1", 4)
    assert policy.classify({"priority": "p4"}) == ("p4", 1)
    assert policy.classify({"severity": "critical"}) == ("none", 0)
    assert policy.names() == ("p1", "p2", "p3", "p4", "none")


def test_bad_severity_config_names_the_field() -> None:
    with pytest.raises(ValidationError, match="severity_aliases"):
        AlertSettings(severity_aliases={"page": "sev0"})
    with pytest.raises(ValidationError, match="urgent: not one of severity_order"):
        Settings.model_validate({"alerts": {"response_timers": {"urgent": {"investigate": "5m"}}}})
    with pytest.raises(ValidationError, match="not a duration"):
        AlertSettings.model_validate({"response_timers": {"critical": {"investigate": "soon"}}})


def test_default_response_timers_follow_the_issue() -> None:
    policy = SeverityPolicy.from_settings(AlertSettings())
    crit = policy.timers_for(alert("c", "critical", 3), NOW)
    assert crit.firing_for == timedelta(minutes=3)
    assert crit.investigate_left == timedelta(minutes=2)
    assert crit.resolve_left == timedelta(minutes=57)
    assert not crit.overdue
    warn = policy.timers_for(alert("w", "warning", 45), NOW)
    assert warn.investigate_overdue and warn.investigate_left == timedelta(minutes=-15)
    assert warn.resolve_left == timedelta(hours=4) - timedelta(minutes=45)
    info = policy.timers_for(alert("i", "info", 600), NOW)
    assert info.investigate_left is None and info.resolve_left is None and not info.overdue


def test_an_acked_alert_has_met_its_investigate_target_but_not_its_resolve_target() -> None:
    policy = SeverityPolicy.from_settings(AlertSettings())
    timers = policy.timers_for(alert("c", "critical", 90), NOW, acked=True)
    assert timers.investigate_left is None and not timers.investigate_overdue
    assert timers.resolve_overdue


def test_timers_from_config_strings() -> None:
    settings = AlertSettings.model_validate(
        {"response_timers": {"critical": {"investigate": "2m", "resolve": "1h30m"}, "warning": {}}}
    )
    policy = SeverityPolicy.from_settings(settings)
    timers = policy.timers_for(alert("c", "critical", 1), NOW)
    assert timers.investigate_target == timedelta(minutes=2)
    assert timers.resolve_target == timedelta(minutes=90)
    assert policy.timers_for(alert("w", "warning", 100), NOW).overdue is False


def test_queue_order_is_severity_then_oldest_first_then_fingerprint() -> None:
    policy = SeverityPolicy.from_settings(AlertSettings())
    alerts = [
        alert("w-new", "warning", 1),
        alert("c-new", "critical", 2),
        alert("none-old", None, 500),
        alert("c-old", "critical", 30),
        alert("w-old", "warning", 60),
        alert("c-old-b", "critical", 30),
    ]
    ordered = [a.fingerprint for a in sorted(alerts, key=policy.sort_key)]
    assert ordered == ["c-old", "c-old-b", "c-new", "w-old", "w-new", "none-old"]


def test_a_future_start_does_not_give_a_negative_age() -> None:
    policy = SeverityPolicy.from_settings(AlertSettings())
    assert policy.timers_for(alert("c", "critical", -1), NOW).firing_for == timedelta(0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5m", timedelta(minutes=5)),
        ("1h30m", timedelta(minutes=90)),
        ("90", timedelta(seconds=90)),
        ("2d", timedelta(days=2)),
        (" 1h 5s ", timedelta(hours=1, seconds=5)),
        (300, timedelta(minutes=5)),
    ],
)
def test_durations_are_written_as_people_say_them(text: str | int, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "  ", "soon", "5x", "m5", "1h soon", True])
def test_bad_durations_say_what_is_expected(text: object) -> None:
    with pytest.raises(ValueError, match="30m"):
        parse_duration(text)


def test_format_helpers() -> None:
    assert format_duration(timedelta(minutes=90)) == "1h30m"
    assert format_age(timedelta(seconds=45)) == "45s"
    assert format_age(timedelta(minutes=12)) == "12m"
    assert format_age(timedelta(hours=3, minutes=5)) == "3h05m"
    assert format_age(timedelta(days=2, hours=4)) == "2d04h"
    assert format_age(timedelta(minutes=-3)) == "-3m"

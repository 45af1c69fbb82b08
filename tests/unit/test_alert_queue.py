"""The alert queue built from a real Alertmanager 0.31 response (recorded by karma)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oncall_tui.config.alerting import AlertSettings
from oncall_tui.domain.alert_queue import (
    AlertRow,
    AlertState,
    GroupRow,
    QueueOptions,
    QueueSnapshot,
    QueueView,
    ack_matchers_for_alert,
    ack_matchers_for_group,
    prepare,
    silence_preview,
)
from oncall_tui.domain.escalation import (
    EscalationState,
    current_level,
    due_escalations,
    escalation_countdown,
    next_level,
    select_policy,
)
from oncall_tui.domain.matchers import (
    MatchType,
    ParseError,
    parse_filter,
    parse_matchers,
    search_text,
    selects,
)
from oncall_tui.domain.severity import SeverityPolicy
from oncall_tui.domain.silences import (
    SilenceInfo,
    has_marker,
    marker_code,
    marker_of,
    silence_marker,
    silence_rows,
)
from oncall_tui.models.alertmanager import (
    Alert,
    AlertGroup,
    AlertStatus,
    Receiver,
    Silence,
    SilenceMatcher,
    SilenceStatus,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "alertmanager"
POLICY = SeverityPolicy.from_settings(AlertSettings())
NOW = datetime(2026, 3, 11, 13, 0, tzinfo=UTC)


def load_groups() -> list[AlertGroup]:
    body = (FIXTURES / "karma-am-0.31.0-api-v2-alerts-groups.json").read_bytes()
    return msgspec.json.decode(body, type=list[AlertGroup])


def load_silences() -> list[Silence]:
    body = (FIXTURES / "karma-am-0.31.0-api-v2-silences.json").read_bytes()
    return msgspec.json.decode(body, type=list[Silence])


@pytest.fixture
def snapshot() -> QueueSnapshot:
    return prepare(load_groups(), POLICY, silences=load_silences())


def test_each_alert_appears_once_in_its_most_specific_group(snapshot: QueueSnapshot) -> None:
    view = snapshot.view(QueueOptions(include_suppressed=True))
    keys = [row.key for row in view.alert_rows()]
    # 24 alert entries in the body: every alert is routed to two receivers.
    assert len(keys) == len(set(keys)) == 12 == view.total
    for group in view.groups:
        assert group.receiver == "by-cluster-service"
        assert set(group.labels) == {"alertname", "cluster"}
        for row in group.alerts:
            assert row.alert.labels["cluster"] == group.labels["cluster"]


def test_active_only_by_default_and_suppressed_alerts_say_who_silenced_them(snapshot: QueueSnapshot) -> None:
    active = snapshot.view()
    assert active.shown == 8
    assert all(row.state is AlertState.ACTIVE for row in active.alert_rows())
    everything = snapshot.view(QueueOptions(include_suppressed=True))
    silenced = [r for r in everything.alert_rows() if r.state is AlertState.SILENCED]
    assert len(silenced) == 4
    server7 = next(r for r in silenced if r.alert.labels["instance"] == "server7")
    # Oldest silence first (none of them is the app's own ack, which would come first).
    assert [s.comment for s in server7.silences] == [
        "Silenced Host_Down alerts in the dev cluster",
        "Silenced server7",
    ]
    assert {s.created_by for s in server7.silences} == {"john@example.com"}
    assert server7.silences[0].ends_at.year == 2063
    assert server7.silences[0].left(NOW) > timedelta(days=365)
    assert not server7.acks  # none of these silences was made by oncall-tui


def test_counts_per_severity_and_ordering() -> None:
    def a(fp: str, severity: str, minutes: int, group: str) -> Alert:
        return Alert(
            labels={"alertname": group, "severity": severity, "instance": fp},
            fingerprint=fp,
            starts_at=NOW - timedelta(minutes=minutes),
        )

    groups = [
        AlertGroup(
            {"alertname": "Disk"},
            Receiver("r"),
            [a("d1", "warning", 50, "Disk"), a("d2", "info", 80, "Disk")],
        ),
        AlertGroup(
            {"alertname": "Down"},
            Receiver("r"),
            [a("x1", "critical", 5, "Down"), a("x2", "critical", 9, "Down")],
        ),
        AlertGroup(
            {"alertname": "Lag"}, Receiver("r"), [a("l1", "warning", 90, "Lag"), a("l2", "none?", 1, "Lag")]
        ),
    ]
    view = prepare(groups, POLICY).view()
    assert view.counts == {"critical": 2, "warning": 2, "info": 1, "none": 1}
    assert [g.labels["alertname"] for g in view.groups] == ["Down", "Lag", "Disk"]
    assert [r.key for r in view.alert_rows()] == ["x2", "x1", "l1", "l2", "d1", "d2"]
    assert view.groups[0].severity == "critical" and view.groups[0].counts["critical"] == 2
    filtered = prepare(groups, POLICY).view(QueueOptions(filter=parse_filter("severity=warning")))
    assert filtered.shown_counts == {"critical": 0, "warning": 2, "info": 0, "none": 0}
    assert filtered.counts == view.counts  # the header still shows what fires


def test_grouping_by_a_label_the_user_picks(snapshot: QueueSnapshot) -> None:
    view = snapshot.view(QueueOptions(group_by="job", include_suppressed=True))
    assert {g.title for g in view.groups} == {"job=node_exporter", "job=node_ping"}
    assert sum(len(g.alerts) for g in view.groups) == 12
    by_missing = snapshot.view(QueueOptions(group_by="disk"))
    assert {g.labels["disk"] for g in by_missing.groups} == {"sda", ""}


def test_filter_matchers_and_free_text(snapshot: QueueSnapshot) -> None:
    view = snapshot.view(QueueOptions(filter=parse_filter('alertname="Host_Down" cluster!=prod')))
    assert {r.alert.labels["instance"] for r in view.alert_rows()} == {"server3", "server4", "server5"}
    # Free text over annotation values ("Less than 10% disk space is free"), case-insensitive.
    text = snapshot.view(QueueOptions(filter=parse_filter("DISK space")))
    assert [r.alert.alertname for r in text.alert_rows()] == ["Free_Disk_Space_Too_Low"]
    regex = snapshot.view(QueueOptions(filter=parse_filter("instance=~server[12]")))
    assert {r.alert.labels["instance"] for r in regex.alert_rows()} == {"server1", "server2"}


def test_row_keys_are_stable_across_polls_and_filters(snapshot: QueueSnapshot) -> None:
    again = prepare(load_groups(), POLICY, silences=load_silences())
    assert again.view().row_keys() == snapshot.view().row_keys()
    rows = snapshot.view().rows(collapsed=[snapshot.view().groups[0].key])
    assert isinstance(rows[0], GroupRow) and isinstance(rows[1], GroupRow)
    found = snapshot.view().find(snapshot.view().alert_rows()[0].key)
    assert isinstance(found, AlertRow)


def test_new_alerts_are_detected_and_new_criticals_ring_the_bell(snapshot: QueueSnapshot) -> None:
    assert snapshot.new_since(None) == frozenset()  # the first poll highlights nothing
    groups = load_groups()
    fresh = Alert(
        labels={"alertname": "Down", "severity": "critical", "instance": "db9"},
        fingerprint="newcrit",
        starts_at=NOW,
    )
    quiet = Alert(labels={"alertname": "Lag", "severity": "warning"}, fingerprint="newwarn", starts_at=NOW)
    silenced = Alert(
        labels={"alertname": "Down", "severity": "critical", "instance": "db8"},
        fingerprint="newsilenced",
        starts_at=NOW,
        status=AlertStatus(state="suppressed", silenced_by=["x"]),
    )
    groups.append(AlertGroup({"alertname": "Down"}, Receiver("r"), [fresh, quiet, silenced]))
    later = prepare(groups, POLICY)
    assert later.new_since(snapshot) == {"newcrit", "newwarn", "newsilenced"}
    assert [r.key for r in later.new_critical(snapshot)] == ["newcrit"]


def test_ack_of_one_alert_selects_exactly_it(snapshot: QueueSnapshot) -> None:
    alerts = snapshot.alerts()
    target = next(a for a in alerts if a.labels.get("instance") == "server2" and a.alertname == "Host_Down")
    matchers = ack_matchers_for_alert(target)
    assert all(m.op is MatchType.EQUAL for m in matchers)
    assert {m.name: m.value for m in matchers} == target.labels
    assert [a.fingerprint for a in silence_preview(matchers, alerts)] == [target.fingerprint]


def test_ack_of_a_group_selects_exactly_its_active_alerts(snapshot: QueueSnapshot) -> None:
    alerts = snapshot.alerts()
    view = snapshot.view()
    staging = next(g for g in view.groups if g.labels == {"alertname": "Host_Down", "cluster": "staging"})
    targets = [r.alert for r in staging.alerts]
    plan = ack_matchers_for_group(targets, alerts)
    assert plan.exact and len(plan.silences) == 1
    (matchers,) = plan.silences
    by_name = {m.name: m for m in matchers}
    assert by_name["alertname"].op is MatchType.EQUAL and by_name["cluster"].value == "staging"
    assert by_name["instance"].op is MatchType.REGEX
    assert by_name["instance"].value == "server3|server4|server5"
    # Values are escaped: "." in an IP must not match any character.
    assert by_name["ip"].value == r"127\.0\.0\.3|127\.0\.0\.4|127\.0\.0\.5"
    assert {a.fingerprint for a in silence_preview(matchers, alerts)} == {a.fingerprint for a in targets}


def test_labels_missing_from_some_alerts_are_handled_exactly() -> None:
    def a(fp: str, **labels: str) -> Alert:
        return Alert(labels=labels, fingerprint=fp, starts_at=NOW)

    targets = [a("1", alertname="X", disk="sda"), a("2", alertname="X")]
    other = a("3", alertname="X", disk="sdb")
    plan = ack_matchers_for_group(targets, [*targets, other])
    assert plan.exact and len(plan.silences) == 1
    picked = {x.fingerprint for x in silence_preview(plan.silences[0], [*targets, other])}
    assert picked == {"1", "2"}
    # Without a neighbour to exclude, the label some alerts lack is simply left out.
    simple = ack_matchers_for_group(targets)
    assert [m.name for m in simple.silences[0]] == ["alertname"]


def test_crossing_values_fall_back_to_one_exact_silence_per_alert() -> None:
    def a(fp: str, x: str, y: str) -> Alert:
        return Alert(labels={"alertname": "A", "x": x, "y": y}, fingerprint=fp, starts_at=NOW)

    targets = [a("11", "1", "1"), a("22", "2", "2")]
    bystander = a("12", "1", "2")  # x=~1|2, y=~1|2 would silence it too
    plan = ack_matchers_for_group(targets, [*targets, bystander])
    assert len(plan.silences) == 2 and plan.exact
    for matchers in plan.silences:
        assert not selects(matchers, bystander.labels)


def test_silences_made_by_the_app_are_recognised_as_acks() -> None:
    marker = silence_marker("ack-abc123")
    # Short, and saying what it is; an older version's whole-key marker is still read.
    assert marker == f"(oncall-tui {marker_code('ack-abc123')})" and len(marker) == 24
    assert has_marker(f"looking into it {marker}", "ack-abc123")
    assert marker_of("looking into it [oncall-tui:ack-abc123]") == "ack-abc123"
    assert marker_of("plain comment") is None
    ack = Silence(
        id="s1",
        matchers=[SilenceMatcher(name="alertname", value="X")],
        starts_at=NOW - timedelta(minutes=10),
        ends_at=NOW + timedelta(minutes=50),
        created_by="alice@laptop",
        comment=f"looking into it {marker}",
        status=SilenceStatus(state="active"),
    )
    alert = Alert(
        labels={"alertname": "X"},
        fingerprint="fx",
        starts_at=NOW - timedelta(hours=1),
        status=AlertStatus(state="suppressed", silenced_by=["s1"]),
    )
    snap = prepare([AlertGroup({}, Receiver("r"), [alert])], POLICY, silences=[ack])
    (row,) = snap.rows
    assert row.is_acked
    (info,) = row.acks
    assert (info.created_by, info.comment) == ("alice@laptop", "looking into it")
    assert info.age(NOW) == timedelta(minutes=10) and info.left(NOW) == timedelta(minutes=50)
    assert not info.until_resolved


def _app_silence(silence_id: str, key: str) -> Silence:
    return Silence(
        id=silence_id,
        matchers=[SilenceMatcher(name="instance", value=silence_id)],
        starts_at=NOW - timedelta(minutes=10),
        ends_at=NOW + timedelta(minutes=20),
        created_by="alice@laptop",
        comment=f"on it {silence_marker(key)}",
        status=SilenceStatus(state="active"),
    )


def _alert(fp: str, silenced_by: list[str]) -> Alert:
    return Alert(
        labels={"alertname": "X", "instance": fp},
        fingerprint=fp,
        starts_at=NOW - timedelta(hours=1),
        status=AlertStatus(state="suppressed" if silenced_by else "active", silenced_by=silenced_by),
    )


def test_an_ack_until_resolved_is_told_apart_by_its_silence_info() -> None:
    silences = [_app_silence("keep", "ackur-1"), _app_silence("fixed", "ack-2")]
    snap = prepare(
        [AlertGroup({}, Receiver("r"), [_alert("keep", ["keep"]), _alert("fixed", ["fixed"])])],
        POLICY,
        silences=silences,
    )
    assert {row.key: row.acks[0].until_resolved for row in snap.rows} == {"keep": True, "fixed": False}
    assert [SilenceInfo.of(s).until_resolved for s in silences] == [True, False]


def test_include_acked_shows_active_alerts_and_the_apps_own_acks_only() -> None:
    other = Silence(
        id="theirs",
        matchers=[SilenceMatcher(name="instance", value="other")],
        starts_at=NOW - timedelta(minutes=10),
        ends_at=NOW + timedelta(hours=2),
        created_by="bob@example.com",
        comment="maintenance",
        status=SilenceStatus(state="active"),
    )
    alerts = [_alert("firing", []), _alert("mine", ["mine"]), _alert("other", ["theirs"])]
    snap = prepare(
        [AlertGroup({}, Receiver("r"), alerts)], POLICY, silences=[_app_silence("mine", "ack-1"), other]
    )
    for row in snap.rows:
        snap.haystack(row)
    assert {r.key for r in snap.view().alert_rows()} == {"firing"}
    acked = snap.view(QueueOptions(include_acked=True))
    assert {r.key for r in acked.alert_rows()} == {"firing", "mine"}
    assert acked.shown == 2 and sum(acked.counts.values()) == 2
    assert {r.key for r in snap.view(QueueOptions(include_suppressed=True)).alert_rows()} == {
        "firing",
        "mine",
        "other",
    }
    # The filter applies within it, free text included.
    found = snap.view(QueueOptions(include_acked=True, filter=parse_filter("mine")))
    assert [r.key for r in found.alert_rows()] == ["mine"]


def _escalation_settings() -> AlertSettings:
    return AlertSettings.model_validate(
        {
            "notifiers": {"hook": {"kind": "webhook", "url": "http://127.0.0.1:9/x"}},
            "escalation_policies": {
                "db": {
                    "match": 'team="db"',
                    "levels": [{"name": "dba", "targets": ["hook"], "delay": "10m"}],
                },
                "main": {
                    "repeat": 1,
                    "levels": [
                        {"name": "primary", "targets": ["hook"], "delay": "5m"},
                        {"name": "secondary", "targets": ["hook"], "delay": "15m"},
                    ],
                },
            },
        }
    )


def _critical_group(minutes: int, state: AlertStatus | None = None) -> GroupRow:
    alert = Alert(
        labels={"alertname": "Down", "severity": "critical"},
        fingerprint="c1",
        starts_at=NOW - timedelta(minutes=minutes),
        status=state or AlertStatus(),
    )
    snap = prepare([AlertGroup({"alertname": "Down"}, Receiver("r"), [alert])], POLICY)
    return snap.view(QueueOptions(include_suppressed=True)).groups[0]


def test_policy_selection_follows_config_order_and_match() -> None:
    settings = _escalation_settings()
    db_alert = Alert(labels={"team": "db"}, fingerprint="1", starts_at=NOW)
    web_alert = Alert(labels={"team": "web"}, fingerprint="2", starts_at=NOW)
    assert select_policy(settings, [db_alert])[0] == "db"  # type: ignore[index]
    assert select_policy(settings, [web_alert])[0] == "main"  # type: ignore[index]
    assert select_policy(AlertSettings(), [web_alert]) is None


def test_unacked_critical_escalates_by_itself_when_its_level_delay_runs_out() -> None:
    settings = _escalation_settings()
    policy = settings.escalation_policies["main"]
    group = _critical_group(minutes=3)
    assert escalation_countdown(group, None, policy, NOW, 3) == timedelta(minutes=2)
    assert due_escalations([group], {}, settings, NOW, 3) == []
    late = _critical_group(minutes=7)
    (due,) = due_escalations([late], {}, settings, NOW, 3)
    assert (due.policy, due.from_level, due.to_level) == ("main", 0, 1)
    assert due.overdue_by == timedelta(minutes=2)
    # At step 1 the clock restarts when the step was reached, with that level's delay.
    state = EscalationState(1, 1, NOW - timedelta(minutes=10), acknowledged=False)
    assert escalation_countdown(late, state, policy, NOW, 3) == timedelta(minutes=5)
    # Acknowledged, silenced or at the last step: no automatic escalation.
    acked = EscalationState(1, 0, None, acknowledged=True)
    assert due_escalations([late], {late.key: acked}, settings, NOW, 3) == []
    silenced = _critical_group(7, AlertStatus(state="suppressed", silenced_by=["s"]))
    assert due_escalations([silenced], {}, settings, NOW, 3) == []
    last = EscalationState(1, 3, NOW - timedelta(hours=1), acknowledged=False)
    assert escalation_countdown(late, last, policy, NOW, 3) is None


def test_the_next_level_counts_repeats_and_ends_at_the_last_step() -> None:
    policy = _escalation_settings().escalation_policies["main"]  # primary, secondary, repeated once
    assert current_level(None) == 0
    steps = [next_level(policy, current) for current in range(4)]
    assert [(s[0], s[1].name) if s else None for s in steps] == [
        (1, "secondary"),
        (2, "primary"),
        (3, "secondary"),
        None,
    ]
    assert current_level(EscalationState(1, 2, NOW, acknowledged=False)) == 2


def test_a_group_action_is_about_its_active_alerts_else_all_of_them() -> None:
    firing = Alert(labels={"alertname": "Down", "instance": "a"}, fingerprint="a", starts_at=NOW)
    muted = Alert(
        labels={"alertname": "Down", "instance": "b"},
        fingerprint="b",
        starts_at=NOW,
        status=AlertStatus(state="suppressed", silenced_by=["s"]),
    )
    mixed = prepare([AlertGroup({"alertname": "Down"}, Receiver("r"), [firing, muted])], POLICY)
    (group,) = mixed.view(QueueOptions(include_suppressed=True)).groups
    assert [r.key for r in group.acted_on] == ["a"]
    quiet = prepare([AlertGroup({"alertname": "Down"}, Receiver("r"), [muted])], POLICY)
    (all_muted,) = quiet.view(QueueOptions(include_suppressed=True)).groups
    assert [r.key for r in all_muted.acted_on] == ["b"]


def test_policy_match_must_be_matchers_only() -> None:
    with pytest.raises(ValueError, match="only matchers"):
        AlertSettings.model_validate(
            {
                "notifiers": {"hook": {"kind": "webhook", "url": "http://127.0.0.1:9/x"}},
                "escalation_policies": {
                    "p": {"match": "db oops", "levels": [{"name": "a", "targets": ["hook"]}]}
                },
            }
        )
    with pytest.raises(ValueError, match="not a notifier"):
        AlertSettings.model_validate(
            {"escalation_policies": {"p": {"levels": [{"name": "a", "targets": ["nope"]}]}}}
        )
    assert parse_matchers('team="db"')[0].value == "db"


def test_silences_view_orders_filters_and_counts_what_each_silences(snapshot: QueueSnapshot) -> None:
    silences = load_silences()
    rows = silence_rows(silences, snapshot)
    assert [r.state for r in rows] == ["active"] * 3
    counts = {r.matchers_text: r.silenced for r in rows}
    assert counts == {
        '{instance="web1"}': 1,
        '{alertname="Host_Down", cluster="dev"}': 3,
        '{instance="server7"}': 1,
    }
    by_label = silence_rows(silences, snapshot, parse_filter("alertname=Host_Down"))
    assert [r.matchers_text for r in by_label] == ['{alertname="Host_Down", cluster="dev"}']
    by_text = silence_rows(silences, snapshot, parse_filter("SERVER7"))
    assert [r.key for r in by_text] == ["9bd58938-25fd-41c5-aba3-9bc373074484"]
    expired = Silence(
        id="old",
        matchers=[SilenceMatcher(name="a", value="b")],
        starts_at=NOW - timedelta(days=2),
        ends_at=NOW - timedelta(days=1),
        created_by="bob",
        comment="done",
        status=SilenceStatus(state="expired"),
    )
    assert silence_rows([expired, *silences])[-1].key == "old"
    assert "old" not in {r.key for r in silence_rows([expired], include_expired=False)}


# --- filter re-apply: narrowing reuses the previous result, and must give exactly a fresh view ---


def _varied_groups() -> tuple[list[AlertGroup], list[Silence]]:
    """60 alerts across 4 groups: services, teams, pods, annotations, some silenced (one by an app ack)."""
    teams = ["payments", "storefront", "platform", "data"]
    severities = ["critical", "warning", "info", "none"]
    groups = []
    n = 0
    for g, alertname in enumerate(["CheckoutLatency", "CheckFailed", "DiskFull", "Down"]):
        alerts = []
        for _ in range(15):
            n += 1
            labels = {
                "alertname": alertname,
                "severity": severities[(n + g) % 4],
                "team": teams[n % 4],
                "service": f"svc-{n % 7:02d}",
                "pod": f"pod-{n:03d}",
            }
            if n % 5:
                labels["namespace"] = ["prod", "prod-eu", "staging"][n % 3]
            silenced_by = ["mine"] if n % 11 == 0 else ["theirs"] if n % 13 == 0 else []
            alerts.append(
                Alert(
                    labels=labels,
                    fingerprint=f"fp{n:03d}",
                    starts_at=NOW - timedelta(minutes=(n * 37) % 240),
                    annotations={"summary": f"{alertname} on {labels['pod']}: check {teams[(n + 1) % 4]}"},
                    status=AlertStatus(
                        state="suppressed" if silenced_by else "active", silenced_by=silenced_by
                    ),
                )
            )
        groups.append(AlertGroup({"alertname": alertname}, Receiver("pager"), alerts))
    silences = [_app_silence("mine", "ack-1")]
    return groups, silences


def _same_view(got: QueueView, fresh: QueueView) -> None:
    assert got.row_keys() == fresh.row_keys()
    assert [g.title for g in got.groups] == [g.title for g in fresh.groups]
    assert [dict(g.counts) for g in got.groups] == [dict(g.counts) for g in fresh.groups]
    assert [g.oldest for g in got.groups] == [g.oldest for g in fresh.groups]
    assert dict(got.counts) == dict(fresh.counts)
    assert dict(got.shown_counts) == dict(fresh.shown_counts)
    assert (got.shown, got.total) == (fresh.shown, fresh.total)
    # And what each figure means, recomputed from the rows.
    for group in got.groups:
        assert group.oldest == min(r.alert.starts_at for r in group.alerts)
        assert {k: v for k, v in group.counts.items() if v} == Counter(r.severity for r in group.alerts)
    assert {k: v for k, v in got.shown_counts.items() if v} == Counter(r.severity for r in got.alert_rows())


def _brute_force(snap: QueueSnapshot, options: QueueOptions) -> list[str]:
    """The rows a filter must keep, decided alert by alert without any cache."""
    if options.include_suppressed:
        visible = snap.rows
    elif options.include_acked:
        visible = [r for r in snap.rows if r.is_active or r.has_ack]
    else:
        visible = [r for r in snap.rows if r.is_active]
    flt = options.filter
    return sorted(r.key for r in visible if flt is None or flt.matches(r.alert))


def _typed(texts: list[str]) -> list[str]:
    """Every prefix of each text, as a user types it one key at a time (unparsable ones left out)."""
    steps = []
    for text in texts:
        for end in range(1, len(text) + 1):
            try:
                parse_filter(text[:end])
            except ParseError:
                continue
            steps.append(text[:end])
    return steps


TYPED_SESSIONS = [
    # A word typed further ("chec" -> "check"), then a second word and a matcher added.
    ["check payments", "check payments severity=critical"],
    # Matchers first, then free text; then a negative matcher and a regex added.
    [
        'team="data" prod',
        'team="data" prod namespace!=staging',
        'team="data" prod namespace!=staging pod=~pod-0.*',
    ],
    # Negative regex, a value typed further (not a narrowing for matchers), backspaced.
    [
        "namespace!~prod.*",
        "namespace!~prod.* svc",
        "namespace!~prod.* svc-0",
        "namespace!~prod.* svc",
        "namespace!~prod",
    ],
    # Shortened again: widening must not reuse the narrower result.
    ["checkout", "check", "chec", "c", "", "diskfull", "disk", "DISK on pod-01"],
    # Braces, quotes, commas, upper case and a repeated word.
    ['{service=~"svc-0[12]", team!="storefront"}', '{service=~"svc-0[12]", team!="storefront"} CHECK check'],
]


@pytest.mark.parametrize("session", TYPED_SESSIONS)
@pytest.mark.parametrize(
    "base",
    [
        QueueOptions(),
        QueueOptions(include_acked=True),
        QueueOptions(include_suppressed=True, group_by="team"),
    ],
    ids=["active", "acked", "all-by-team"],
)
def test_each_keystroke_gives_exactly_the_rows_of_a_fresh_view(
    session: list[str], base: QueueOptions
) -> None:
    groups, silences = _varied_groups()
    snap = prepare(groups, POLICY, silences=silences)
    for text in _typed(session):
        options = replace(base, filter=parse_filter(text))
        got = snap.view(options)
        # A fresh snapshot of the same poll has nothing cached: the reference.
        fresh = prepare(groups, POLICY, silences=silences).view(options)
        _same_view(got, fresh)
        assert sorted(r.key for r in got.alert_rows()) == _brute_force(snap, options), text


def test_a_shortened_word_shows_the_rows_the_longer_one_hid() -> None:
    groups, silences = _varied_groups()
    snap = prepare(groups, POLICY, silences=silences)
    longer = snap.view(QueueOptions(filter=parse_filter("checkout")))
    shorter = snap.view(QueueOptions(filter=parse_filter("check")))
    assert {r.alert.alertname for r in longer.alert_rows()} == {"CheckoutLatency"}
    # "check" also matches CheckFailed and every summary ("... check <team>"): far more rows.
    assert {r.alert.alertname for r in shorter.alert_rows()} == {
        "CheckoutLatency",
        "CheckFailed",
        "DiskFull",
        "Down",
    }
    assert shorter.shown > longer.shown
    # Typed further again: back to exactly the longer word's rows.
    assert snap.view(QueueOptions(filter=parse_filter("checkout"))).row_keys() == longer.row_keys()


def test_a_changed_matcher_value_is_applied_to_every_alert_again() -> None:
    groups, silences = _varied_groups()
    snap = prepare(groups, POLICY, silences=silences)
    one = snap.view(QueueOptions(filter=parse_filter("service=svc-01")))
    # "svc-01" -> "svc-02" is not a narrowing: an equality matcher with another value.
    two = snap.view(QueueOptions(filter=parse_filter("service=svc-02")))
    assert {r.alert.labels["service"] for r in one.alert_rows()} == {"svc-01"}
    assert {r.alert.labels["service"] for r in two.alert_rows()} == {"svc-02"}
    regex = snap.view(QueueOptions(filter=parse_filter("service=~svc-0[12]")))
    assert regex.shown == one.shown + two.shown


@pytest.mark.parametrize(
    "change",
    [
        {"include_suppressed": True},
        {"include_acked": True},
        {"group_by": "team"},
    ],
)
def test_changing_an_option_recomputes_the_filter_for_what_it_now_shows(change: dict[str, object]) -> None:
    groups, silences = _varied_groups()
    snap = prepare(groups, POLICY, silences=silences)
    flt = parse_filter("check")
    before = snap.view(QueueOptions(filter=flt))
    snap.view(QueueOptions(filter=parse_filter("checkout")))  # a narrower result is cached too
    options = replace(QueueOptions(filter=parse_filter("checkout")), **change)  # type: ignore[arg-type]
    _same_view(snap.view(options), prepare(groups, POLICY, silences=silences).view(options))
    assert sorted(r.key for r in snap.view(options).alert_rows()) == _brute_force(snap, options)
    # And back: the first options' result is unchanged.
    _same_view(snap.view(QueueOptions(filter=flt)), before)


def test_silenced_alerts_matching_the_filter_appear_when_suppressed_ones_are_shown() -> None:
    groups, silences = _varied_groups()
    snap = prepare(groups, POLICY, silences=silences)
    active = snap.view(QueueOptions(filter=parse_filter("check")))
    everything = snap.view(QueueOptions(include_suppressed=True, filter=parse_filter("check")))
    hidden = {r.key for r in everything.alert_rows()} - {r.key for r in active.alert_rows()}
    assert hidden and all(not snap.row(key).is_active for key in hidden)  # type: ignore[union-attr]


def test_a_new_poll_filters_its_own_alerts_not_the_previous_polls_result() -> None:
    groups, silences = _varied_groups()
    first = prepare(groups, POLICY, silences=silences)
    assert first.view(QueueOptions(filter=parse_filter("checkout"))).shown > 0
    newcomer = Alert(
        labels={"alertname": "CheckoutLatency", "severity": "critical", "pod": "pod-new"},
        fingerprint="fpnew",
        starts_at=NOW,
    )
    gone = {a.fingerprint for a in groups[0].alerts[:5]}
    changed = [
        AlertGroup(groups[0].labels, groups[0].receiver, [*groups[0].alerts[5:], newcomer]),
        *groups[1:],
    ]
    second = prepare(changed, POLICY, silences=silences)
    # The next keystroke narrows the previous one, but runs against the new poll's alerts.
    view = second.view(QueueOptions(filter=parse_filter("checkout pod")))
    keys = {r.key for r in view.alert_rows()}
    assert "fpnew" in keys and not keys & gone
    assert sorted(keys) == _brute_force(second, QueueOptions(filter=parse_filter("checkout pod")))


def test_warm_and_cold_haystacks_filter_alike() -> None:
    groups, silences = _varied_groups()
    cold = prepare(groups, POLICY, silences=silences)
    warm = prepare(groups, POLICY, silences=silences)
    for row in warm.rows[::3]:  # partly warmed, as the UI does in slices while the user types
        warm.haystack(row)
    full = prepare(groups, POLICY, silences=silences)
    for row in full.rows:  # fully warmed before any view, as the app's poll thread does
        full.haystack(row)
    options = QueueOptions(include_suppressed=True, filter=parse_filter("prod check"))
    _same_view(warm.view(options), cold.view(options))
    _same_view(full.view(options), cold.view(options))
    assert all(warm.haystack(r) == search_text(r.alert) for r in warm.rows)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["critical", "warning", "info", "odd"]),
            # Starts that differ by microseconds and exact ties: the order's fine print.
            st.integers(min_value=0, max_value=5).map(lambda us: NOW - timedelta(microseconds=us)),
            st.text("abc", min_size=1, max_size=3),
        ),
        max_size=60,
        unique_by=lambda t: t[2],
    )
)
def test_the_queue_is_in_severity_then_start_then_fingerprint_order(
    specs: list[tuple[str, datetime, str]],
) -> None:
    alerts = [
        Alert(labels={"alertname": "A", "severity": sev}, fingerprint=fp, starts_at=started)
        for sev, started, fp in specs
    ]
    rows = prepare([AlertGroup({"alertname": "A"}, Receiver("r"), alerts)], POLICY).rows
    expected = sorted(
        alerts, key=lambda a: (-POLICY.classify(a.labels)[1], a.starts_at.timestamp(), a.fingerprint)
    )
    assert [r.key for r in rows] == [a.fingerprint for a in expected]


def test_counts_cover_views_bigger_than_one_counting_chunk() -> None:
    alerts = [
        Alert(
            labels={"alertname": "A", "severity": ("critical", "warning")[n % 2]},
            fingerprint=f"{n:05d}",
            starts_at=NOW - timedelta(seconds=n),
        )
        for n in range(9001)
    ]
    view = prepare([AlertGroup({"alertname": "A"}, Receiver("r"), alerts)], POLICY).view()
    assert view.counts["critical"] == 4501
    assert view.counts["warning"] == 4500
    assert view.groups[0].counts == {"critical": 4501, "warning": 4500, "info": 0, "none": 0}

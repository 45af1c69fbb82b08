"""A fixed incident with a full record, built through the store as the app would (time frozen)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from oncall_tui.clock import FakeClock
from oncall_tui.models.incident import IncidentStatus, TimelineKind
from oncall_tui.models.incident_record import AlertFiring, LinkedAlert
from oncall_tui.store.db import Database
from oncall_tui.store.incident_records import IncidentRecords

OPENED = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
"""When the sample incident is opened."""

LEAKED_TOKEN = "glsa_Zx81Qp0TnVb7Wc2YhLm4"
"""A Grafana-style service account token the engineer pasted into a note."""

KNOWN_SECRET = "s3cr3t-alertmanager-pass"
"""A configured source password that also appears in a note (the redactor knows it)."""


def build_sample_incident(db: Database, clock: FakeClock) -> int:
    """Open, work and resolve the sample incident; return its id. ``clock`` must be at OPENED."""
    records = IncidentRecords(db, clock)
    records.record_firings(
        [
            AlertFiring("3f1c2b", OPENED - timedelta(minutes=6), "CheckoutLatencyHigh", "critical", "prod"),
            AlertFiring("9a8b7c", OPENED - timedelta(minutes=2), "CheckoutErrorsHigh", "critical", "prod"),
        ]
    )
    incident = records.log.open_incident(
        "Checkout latency above 2s",
        "critical",
        'prod/{}:{alertname="CheckoutLatencyHigh"}',
        ["3f1c2b"],
        actor="ann@laptop",
    )
    clock.advance(30)
    records.log.append(
        incident.id,
        TimelineKind.ACK,
        "ack Checkout latency above 2s (1 alert) until resolved: looking",
        "ann@laptop",
        {"fingerprints": ["3f1c2b"], "not_actionable": False},
    )
    records.change_status(incident.id, IncidentStatus.ACKNOWLEDGED, "ann@laptop")
    clock.advance(90)
    records.link_alerts(incident.id, [LinkedAlert("9a8b7c")], "ann@laptop")
    records.set_fields(incident.id, "ann@laptop", {"owner": "ann"})
    clock.advance(120)
    records.add_note(
        incident.id,
        "p99 at 2.4s since the 02:54 deploy\n"
        f"curl -H 'Authorization: Bearer {LEAKED_TOKEN}' https://grafana.example/api/health\n"
        f"am password is {KNOWN_SECRET}",
        "ann@laptop",
    )
    clock.advance(300)
    records.change_status(incident.id, IncidentStatus.MITIGATED, "ann@laptop")
    clock.advance(1200)
    records.change_status(
        incident.id, IncidentStatus.RESOLVED, "bob@desk", resolution="rolled back checkout to v41"
    )
    records.set_fields(
        incident.id,
        "ann@laptop",
        {
            "impact": "About 18% of checkouts took over 2s for 32 minutes; no orders were lost.",
            "root_cause": "Release v42 of checkout opened a new database connection per request.",
            "contributing_factors": "- the canary ran at 1% for only 5 minutes\n- no pool-size alert",
            "went_well": "The latency alert fired within a minute of the deploy.",
            "went_wrong": "The rollback waited for a second approver.",
            "prevention": "Load-test connection handling in CI.",
            "follow_up": "Review canary duration with the release team.",
        },
    )
    records.add_action_item(
        incident.id, "Add a pool-size alert", "ann@laptop", owner="bob", due=date(2026, 3, 8)
    )
    item = records.add_action_item(incident.id, "Lengthen the checkout canary", "ann@laptop", owner="carol")
    records.update_action_item(item.id, "carol@desk", done=True)
    return incident.id

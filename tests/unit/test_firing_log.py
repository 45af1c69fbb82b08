"""FiringLog: each firing a poll shows is written once; the noise report then counts it."""

from __future__ import annotations

from datetime import timedelta

from oncall_tui.clock import FakeClock
from oncall_tui.models.alertmanager import Alert
from oncall_tui.services.firing_log import FiringLog
from oncall_tui.store.db import Database
from oncall_tui.store.incident_records import IncidentRecords
from tests.support.store import START


def alert(fingerprint: str, name: str, minutes_ago: int) -> Alert:
    return Alert(
        labels={"alertname": name, "severity": "warning"},
        fingerprint=fingerprint,
        starts_at=START - timedelta(minutes=minutes_ago),
    )


def test_each_firing_is_written_once_and_a_refire_is_a_new_one(db: Database, clock: FakeClock) -> None:
    log = FiringLog(clock)
    poll = [alert("a", "DiskFull", 5), alert("b", "Latency", 2)]
    first = log.new_firings(poll, "prod")
    assert [(f.alertname, f.context) for f in first] == [("DiskFull", "prod"), ("Latency", "prod")]
    assert log.write(db, first) == 2
    assert log.new_firings(poll, "prod") == []  # the same poll again: nothing to write
    refired = log.new_firings([alert("a", "DiskFull", 1)], "prod")
    assert [f.starts_at for f in refired] == [START - timedelta(minutes=1)]
    assert log.write(db, refired) == 1
    # A new session (restart) remembers nothing; the store still writes each firing once.
    assert FiringLog(clock).write(db, FiringLog(clock).new_firings(poll, "prod")) == 0
    names = [f.alertname for f in IncidentRecords(db, clock).firings(since=START - timedelta(hours=1))]
    assert sorted(names) == ["DiskFull", "DiskFull", "Latency"]

"""``oncall-tui incidents list|show|export`` and ``oncall-tui report`` as a script runs them."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oncall_tui.cli import main
from oncall_tui.clock import FakeClock
from oncall_tui.models.incident import IncidentStatus, TimelineKind
from oncall_tui.models.incident_record import AlertFiring, LinkedAlert
from oncall_tui.store.db import Database
from oncall_tui.store.incident_records import IncidentRecords
from tests.support.incidents import KNOWN_SECRET, LEAKED_TOKEN, OPENED, build_sample_incident

TOKEN = "tok-Ux7Jq2LmZs90"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    for name in list(os.environ):
        if name.upper().startswith("ONCALL_"):
            monkeypatch.delenv(name)


def recent_incidents() -> list[int]:
    """Three incidents opened 10 days, 2 days and 1 hour ago; the middle one resolved."""
    now = datetime.now(UTC)
    clock = FakeClock(now - timedelta(days=10))
    ids = []
    with Database.open() as db:
        records = IncidentRecords(db, clock)
        ids.append(records.open_manual("old disk full", "warning", "ann").id)
        clock.advance(8 * 86400)
        middle = records.open_manual("api errors", "critical", "ann", context="prod")
        clock.advance(45)
        records.change_status(middle.id, IncidentStatus.ACKNOWLEDGED, "ann")
        clock.advance(600)
        records.change_status(middle.id, IncidentStatus.RESOLVED, "ann", resolution="restarted")
        ids.append(middle.id)
        clock.advance(2 * 86400 - 645 - 3600)
        ids.append(records.open_manual("queue backlog", "info", "bob").id)
    return ids


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_json_is_newest_first_with_ids_and_filters(capsys: pytest.CaptureFixture[str]) -> None:
    old, middle, new = recent_incidents()
    code, out, _ = run(capsys, "incidents", "list", "--json")
    assert code == 0
    listed = json.loads(out)
    assert [i["id"] for i in listed] == [new, middle, old]
    resolved = listed[1]
    assert (resolved["status"], resolved["context"], resolved["time_to_ack_seconds"]) == (
        "resolved",
        "prod",
        45.0,
    )
    assert resolved["time_to_resolve_seconds"] == 645.0
    _, out, _ = run(capsys, "incidents", "list", "--json", "--since", "7d")
    assert [i["id"] for i in json.loads(out)] == [new, middle]
    _, out, _ = run(capsys, "incidents", "list", "--json", "--status", "open")
    assert [i["id"] for i in json.loads(out)] == [new, old]
    _, out, _ = run(capsys, "incidents", "list", "--json", "--status", "resolved", "--since", "1d")
    assert json.loads(out) == []


def test_list_as_text_shows_one_row_per_incident(capsys: pytest.CaptureFixture[str]) -> None:
    recent_incidents()
    code, out, _ = run(capsys, "incidents", "list")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 4
    assert lines[0].split() == [
        "ID",
        "STATUS",
        "SEVERITY",
        "OPENED",
        "(UTC)",
        "TTA",
        "TTR",
        "ALERTS",
        "OWNER",
        "CONTEXT",
        "TITLE",
    ]
    assert lines[2].split()[:2] == ["#2", "resolved"] and lines[2].endswith("api errors")
    assert "45s" in lines[2].split() and "10m45s" in lines[2].split()


def test_bad_arguments_say_what_is_wrong(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "incidents", "list", "--since", "soon")
    assert (
        code == 2 and err == "oncall-tui: --since: 'soon' is not a duration: expected e.g. 30m, 2h or 1h30m\n"
    )
    code, _, err = run(capsys, "report", "--days", "0")
    assert code == 2 and "--days" in err
    code, _, err = run(capsys, "incidents", "show", "12")
    assert code == 1 and err == "oncall-tui: no incident #12\n"


def sample(config_secret: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, Path]:
    with Database.open() as db:
        incident_id = build_sample_incident(db, FakeClock(OPENED))
    config = tmp_path / "config.toml"
    if config_secret:
        monkeypatch.setenv("AM_PASSWORD", KNOWN_SECRET)
        config.write_text(
            '[contexts.prod.alertmanager]\nurls = ["https://am.example"]\n'
            '[contexts.prod.alertmanager.auth]\ntype = "basic"\nusername = "oncall"\n'
            'secret = { env = "AM_PASSWORD" }\n'
        )
    return incident_id, config


def test_show_json_has_fields_alerts_items_and_timeline_without_secrets(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident_id, config = sample(True, tmp_path, monkeypatch)
    code, out, _ = run(capsys, "--config", str(config), "incidents", "show", f"#{incident_id}", "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["id"] == incident_id and shown["owner"] == "ann"
    assert shown["fields"]["resolution"] == "rolled back checkout to v41"
    assert [a["alertname"] for a in shown["linked_alerts"]] == ["CheckoutLatencyHigh", "CheckoutErrorsHigh"]
    assert [(i["id"], i["done"]) for i in shown["action_items"]] == [(1, False), (2, True)]
    assert shown["timeline"][0]["kind"] == "opened" and shown["timeline"][-1]["kind"] == "action_item"
    assert KNOWN_SECRET not in out and LEAKED_TOKEN not in out


def test_export_writes_the_draft_and_says_where(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident_id, config = sample(True, tmp_path, monkeypatch)
    target = tmp_path / "pm.md"
    code, out, err = run(
        capsys, "--config", str(config), "incidents", "export", str(incident_id), "-o", str(target)
    )
    assert (code, out, err) == (0, "", f"wrote {target}\n")
    text = target.read_text()
    assert text.startswith("# Post-mortem: #1 Checkout latency above 2s\n")
    assert KNOWN_SECRET not in text and LEAKED_TOKEN not in text
    code, out, _ = run(capsys, "--config", str(config), "incidents", "export", str(incident_id))
    assert code == 0 and out.split("\n", 3)[3:] == text.split("\n", 3)[3:]  # the stamp line differs


def test_export_to_an_unwritable_place_fails_without_a_partial_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident_id, _ = sample(False, tmp_path, monkeypatch)
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = run(capsys, "incidents", "export", str(incident_id), "-o", str(blocker / "pm.md"))
    assert code == 1
    assert err == f"oncall-tui: cannot write the post-mortem to {blocker / 'pm.md'}: Not a directory\n"


def test_report_json_has_figures_per_severity_and_noise(capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime.now(UTC)
    clock = FakeClock(now - timedelta(hours=2))
    with Database.open() as db:
        records = IncidentRecords(db, clock)
        records.record_firings([AlertFiring("fp1", clock.now() - timedelta(minutes=4), "DiskFull")])
        incident = records.open_manual("disk", "critical", "ann", alerts=[LinkedAlert("fp1")])
        clock.advance(60)
        records.log.append(
            incident.id, TimelineKind.ACK, "ack", "ann", {"fingerprints": ["fp1"], "not_actionable": True}
        )
        records.change_status(incident.id, IncidentStatus.ACKNOWLEDGED, "ann")
    code, out, _ = run(capsys, "report", "--days", "7", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["windows"] == [7]
    critical = report["figures"][0]
    assert (critical["severity"], critical["incidents"]) == ("critical", 1)
    assert critical["mtta"] == {"count": 1, "mean_seconds": 60.0, "median_seconds": 60.0, "p90_seconds": 60.0}
    assert critical["time_to_detect"]["mean_seconds"] == 300.0
    assert report["noise"] == [
        {
            "alertname": "DiskFull",
            "fired": 1,
            "acked": 1,
            "not_actionable": 1,
            "not_actionable_share": 1.0,
            "median_time_to_ack_seconds": 300.0,
        }
    ]
    code, out, _ = run(capsys, "report")
    assert code == 0
    assert "Last 7 days" in out and "Last 90 days" in out
    assert any(line.split()[:4] == ["DiskFull", "1", "1", "100%"] for line in out.splitlines())

"""IncidentDesk: the log opened on first use, refused logs reported on every call, credentials scrubbed."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from oncall_tui.clock import FakeClock
from oncall_tui.config.settings import Settings
from oncall_tui.errors import StoreError
from oncall_tui.services.incident_actions import AddNote, OpenIncident
from oncall_tui.services.incident_desk import IncidentDesk
from oncall_tui.store.db import MIGRATIONS


def test_reads_and_writes_go_through_the_desk(tmp_path: Path, clock: FakeClock) -> None:
    desk = IncidentDesk(tmp_path / "log.sqlite3", clock, "ann")

    async def work() -> None:
        assert (await desk.run(OpenIncident("db slow", "warning"))).message == "incident #1 opened"
        assert (await desk.run(AddNote(1, "vacuum running"))).ok
        (row,) = await desk.summaries()
        record, timeline = await desk.detail(1)
        assert row.incident.title == record.incident.title == "db slow"
        assert [e.text for e in timeline] == ["opened: db slow", "vacuum running"]

    asyncio.run(work())
    desk.close()


def test_a_log_from_a_newer_version_is_reported_on_every_call(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "log.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    desk = IncidentDesk(path, clock, "ann")
    for _ in range(2):
        with pytest.raises(StoreError, match="newer than this oncall-tui knows"):
            asyncio.run(desk.summaries())


def test_configured_credentials_are_learnt_when_the_log_opens(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROM_TOKEN", "prom-token-123456")
    settings = Settings.model_validate(
        {
            "contexts": {
                "prod": {
                    "prometheus": {
                        "url": "https://prom.example",
                        "auth": {"type": "bearer", "secret": {"env": "PROM_TOKEN"}},
                    }
                }
            }
        }
    )
    desk = IncidentDesk(tmp_path / "log.sqlite3", clock, "ann", settings=settings)
    assert desk.redactor.scrub("token prom-token-123456 here") == "token prom-token-123456 here"
    asyncio.run(desk.summaries())
    assert desk.redactor.scrub("token prom-token-123456 here") == "token [secret] here"

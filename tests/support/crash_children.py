"""Children the reliability benchmark SIGKILLs mid-work: ``python -m tests.support.crash_children CMD``.

``write DB``: appends incident-log entries forever, printing ``committed ID`` after each commit.
``ack DB AM_URL N``: acks alert N through the app's action service (log, outbox, send) and waits.
``drain DB AM_URL``: a restarted app: delivers whatever the outbox holds, then prints ``drained``.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime, timedelta
from pathlib import Path

import msgspec

from oncall_tui.clients.alertmanager import AlertmanagerClient
from oncall_tui.clients.alertmanager_ha import AlertmanagerCluster
from oncall_tui.clients.http import build_async_client
from oncall_tui.clock import SystemClock
from oncall_tui.config.alerting import AlertSettings
from oncall_tui.config.settings import SourceSettings
from oncall_tui.domain.severity import NONE
from oncall_tui.models.alertmanager import AlertGroup
from oncall_tui.services.actions import AlertActions, AlertTarget
from oncall_tui.services.outbox_drain import Deliverer, OutboxDrain
from oncall_tui.store.db import Database
from oncall_tui.store.incidents import IncidentLog
from tests.support.alert_fakes import GROUPS_FILE


class LaterClock(SystemClock):
    """The real clock an hour ahead: a restarted app whose leases and backoffs have run out."""

    def now(self) -> datetime:
        return super().now() + timedelta(hours=1)


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def write(db_path: Path) -> None:
    db = Database.open(db_path)
    log = IncidentLog(db, SystemClock())
    incident = log.open_incident("kill test", "critical", "kill-test")
    while True:
        entry = log.append(incident.id, "note", "x" * 200, "bench")
        _say(f"committed {entry.id}")


def _cluster(url: str) -> AlertmanagerCluster:
    client = build_async_client(url, SourceSettings(timeout=60))
    return AlertmanagerCluster([(url, AlertmanagerClient(client))])


async def ack(db_path: Path, url: str, which: int) -> None:
    groups = msgspec.json.decode(GROUPS_FILE.read_bytes(), type=list[AlertGroup])
    alerts = [a for g in groups for a in g.alerts]
    alert = alerts[which % len(alerts)]
    db = Database.open(db_path)
    actions = AlertActions(
        db, _cluster(url), settings=AlertSettings(), user="bench@host", clock=SystemClock(), context="bench"
    )
    target = AlertTarget(f"bench-{which}", {"alertname": alert.alertname or "x"}, (alert,), NONE)
    _say("sending")
    result = await actions.ack(target, comment=f"bench ack {which}", universe=tuple(alerts))
    _say(f"result {result.status.value}")


async def drain(db_path: Path, url: str) -> None:
    db = Database.open(db_path)
    clock = LaterClock()
    outbox_drain = OutboxDrain(db, Deliverer(_cluster(url), None), clock, context="bench")
    for _ in range(20):
        if not await outbox_drain.run_once():
            break
    _say("drained")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "write":
        write(Path(args[0]))
    elif command == "ack":
        asyncio.run(ack(Path(args[0]), args[1], int(args[2])))
    else:
        asyncio.run(drain(Path(args[0]), args[1]))

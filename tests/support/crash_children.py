"""Children the reliability benchmark SIGKILLs mid-work: ``python -m tests.support.crash_children CMD``.

``write DB``: appends incident-log entries forever, printing ``committed ID`` after each commit.
``ack DB AM_URL N``: acks alert N through the app's action service (log, outbox, send) and waits.
``drain DB AM_URL``: a restarted app: delivers whatever the outbox holds, then prints ``drained``.

:func:`store_kills` and :func:`ack_kills` drive them (tests/integration/test_crash_durability.py and
benchmarks/bench_reliability.py).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
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
from tests.support.fault_server import FaultServer

ROOT = Path(__file__).resolve().parents[2]


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


def _child(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.crash_children", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def store_kills(kills: int, folder: Path) -> tuple[int, int, int]:
    """SIGKILL incident-log writers at random moments; (kills, entries committed, entries lost or
    integrity failures)."""
    db = folder / "kills.sqlite3"
    committed: set[int] = set()
    rng = random.Random(7)
    for _ in range(kills):
        child = _child("write", str(db))
        assert child.stdout is not None
        deadline = time.monotonic() + rng.uniform(0.2, 0.8)
        while time.monotonic() < deadline:
            text = child.stdout.readline()
            if text.startswith("committed "):
                committed.add(int(text.split()[1]))
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        # Whatever was printed before the kill landed is committed (it prints after the commit).
        for text in child.stdout.read().splitlines():
            if text.startswith("committed "):
                committed.add(int(text.split()[1]))
    with sqlite3.connect(db) as connection:
        present = {row[0] for row in connection.execute("SELECT id FROM timeline")}
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
    return kills, len(committed), len(committed - present) + (0 if integrity == "ok" else 1)


def ack_kills(acks: int, folder: Path) -> tuple[int, int]:
    """Ack into a never-answering Alertmanager, SIGKILL the app, heal, restart; (kills, duplicates)."""
    db = folder / "acks.sqlite3"
    duplicates = 0
    with FaultServer("alertmanager") as server:
        for which in range(acks):
            server.set_fault("hang")
            before = server.requests
            child = _child("ack", str(db), server.url, str(which))
            assert child.stdout is not None
            child.stdout.readline()  # "sending"
            deadline = time.monotonic() + 30
            while server.requests == before and time.monotonic() < deadline:
                time.sleep(0.01)  # the POST reached the server; its answer never will reach the app
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
            server.set_fault(None)  # the held request is now carried out: the silence exists
            restarted = _child("drain", str(db), server.url)
            restarted.communicate(timeout=60)
            made = [s for s in server.backends.silences if s["comment"].startswith(f"bench ack {which}")]
            duplicates += max(0, len(made) - 1)
            if not made:
                duplicates += 1  # a lost ack counts against exactly-once too
    return acks, duplicates


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "write":
        write(Path(args[0]))
    elif command == "ack":
        asyncio.run(ack(Path(args[0]), args[1], int(args[2])))
    else:
        asyncio.run(drain(Path(args[0]), args[1]))

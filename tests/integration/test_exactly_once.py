"""Exactly once: acks and escalations sent while their servers are down, stopped or killed mid-request.

The app side is ``outbox_app.py`` (the app's AlertActions and OutboxDrain on a store file) in its
own process; the servers are the real Alertmanager and a webhook receiver, each in its own
process. For each fault, with and without a SIGKILL and restart of the app in between, the ack
must end as exactly one silence carrying the app's marker, and the escalation as exactly one
notification: one idempotency key, which every copy the receiver took carries (a send whose
answer was lost is sent again with the same key; a receiver that keeps keys acts once).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from oncall_tui.clients.alertmanager import AlertmanagerClient
from oncall_tui.clients.http import build_async_client
from oncall_tui.config.settings import SourceSettings
from oncall_tui.domain.silences import has_marker
from oncall_tui.store.db import Database
from tests.integration.binaries import require_binaries
from tests.integration.faults import ROOT, PrivateAlertmanager, WebhookReceiver, unread_requests
from tests.stack_support import Stack, binary_paths
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

APP = ROOT / "tests" / "integration" / "outbox_app.py"


class AppProcess:
    """``outbox_app.py`` on one store file; killed with SIGKILL, started again on the same file."""

    def __init__(self, db: Path, am: str, webhook: str) -> None:
        self.db, self.am, self.webhook = db, am, webhook
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, *, issue: bool) -> None:
        out = (self.db.parent / f"app-{self.starts}.log").open("wb")
        self.starts += 1
        self.proc = subprocess.Popen(
            [sys.executable, str(APP), str(self.db), self.am, self.webhook, *(["--issue"] if issue else [])],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        out.close()

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None

    def outbox(self) -> list[tuple[str, str, dict[str, object]]]:
        """(kind, state, payload) of every outbox item, read as another process would.

        The state is ``retrying`` for a pending item whose last attempt failed (a new item is
        ``pending`` too, before its first attempt ends).
        """
        if not self.db.exists():
            return []
        db = Database.open(self.db)
        try:
            rows = db.query("SELECT kind, state, last_error, payload FROM outbox ORDER BY id")
        finally:
            db.close()
        return [
            (
                row["kind"],
                "retrying" if row["state"] == "pending" and row["last_error"] else row["state"],
                json.loads(row["payload"]),
            )
            for row in rows
        ]


async def until(condition: Callable[[], bool], what: str, deadline: float = 30.0) -> None:
    """Wait for ``condition`` (checked every 0.2 s); fail naming ``what``."""

    async def check() -> bool:
        return condition()

    await eventually(check, bool, what, deadline)


@dataclass
class Servers:
    am: PrivateAlertmanager
    receiver: WebhookReceiver

    async def start(self, *, hang: bool = False) -> None:
        self.am.start()
        self.receiver.start(hang=hang)
        await self.am.ready()
        await self.receiver.ready()


@pytest.fixture
def servers(stack: Stack, tmp_path: Path) -> Iterator[Servers]:
    # Depends on ``stack`` only for its skip (or, under CI, failure) when the binaries are missing.
    alertmanager = binary_paths()["alertmanager"]
    require_binaries([] if os.access(alertmanager, os.X_OK) else [alertmanager])
    found = Servers(PrivateAlertmanager(tmp_path / "am"), WebhookReceiver(tmp_path / "received.jsonl"))
    try:
        yield found
    finally:
        found.am.stop()
        found.receiver.stop()


FAULTS = ["down", "stopped", "killed mid-request"]


@pytest.mark.parametrize("restart", [False, True], ids=["same app", "app killed and restarted"])
@pytest.mark.parametrize("fault", FAULTS)
async def test_an_ack_and_an_escalation_are_delivered_exactly_once(
    servers: Servers, tmp_path: Path, fault: str, restart: bool
) -> None:
    am, receiver = servers.am, servers.receiver
    app = AppProcess(tmp_path / "log.db", am.url, receiver.url)
    recovered: Callable[[], Awaitable[None]]
    if fault == "down":
        app.start(issue=True)
        # Both sends were refused: logged, and waiting in the outbox.
        await until(
            lambda: sorted((k, s) for k, s, _ in app.outbox())
            == [("create_silence", "retrying"), ("notify", "retrying")],
            "the ack and the escalation were never queued",
        )
        recovered = servers.start
    elif fault == "stopped":
        await servers.start()
        am.pause()
        receiver.pause()
        app.start(issue=True)
        # Both requests sent and sitting unread in the stopped servers.
        await until(
            lambda: unread_requests(am.port) >= 1 and unread_requests(receiver.port) >= 1,
            "the requests never reached the stopped servers",
        )
        if not restart:
            # The app gives up waiting (timeout) and queues both for a retry; the requests it sent
            # are still in the servers, which act on them when continued, answering nobody.
            await until(
                lambda: [s for _, s, _ in app.outbox()] == ["retrying", "retrying"],
                "the unanswered sends were never queued for a retry",
            )

        async def resume() -> None:
            am.resume()
            receiver.resume()

        recovered = resume
    else:
        # Alertmanager stopped with the request unread, then killed; the receiver takes the
        # notification (writes it down) and is killed before it answers.
        await servers.start(hang=True)
        am.pause()
        app.start(issue=True)
        await until(
            lambda: unread_requests(am.port) >= 1 and len(receiver.received()) == 1,
            "the requests never reached the servers",
        )
        am.kill()
        receiver.kill()
        recovered = servers.start
    if restart:
        app.kill()
    await recovered()
    if restart or app.proc is None:
        app.start(issue=False)

    await until(
        lambda: [s for _, s, _ in app.outbox()] == ["done", "done"],
        f"not delivered after the {fault} servers came back",
    )
    app.kill()

    (marker,) = [str(p["marker"]) for k, _, p in app.outbox() if k == "create_silence"]
    client = AlertmanagerClient(build_async_client(am.url, SourceSettings(timeout=5)))
    silences = [s for s in await client.silences() if has_marker(s.comment, marker)]
    await client.aclose()
    assert [s.status.state for s in silences] == ["active"], silences

    notifications = receiver.received()
    keys = {n["key"] for n in notifications}
    assert len(keys) == 1 and None not in keys, notifications
    (key,) = keys
    assert all(n["body"]["idempotencyKey"] == key for n in notifications)
    assert all(n["body"]["incident"]["title"] == "DiskFull on db1" for n in notifications)

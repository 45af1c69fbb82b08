"""The app's headless alert services on a store file, as a process a test kills and starts again.

``python tests/integration/outbox_app.py DB AM_URL WEBHOOK_URL [--issue]``

With ``--issue`` it first acks one alert and escalates its group (at once, as an engineer pressing
``a`` then ``e``); then, with or without, it runs the outbox drain until killed: what the app does
between polls. The services are the app's own (``AlertActions``, ``OutboxDrain`` on a
``Database``); only the timings are short, so a test takes seconds: 1 s timeouts, retries 0.2 s
doubling to 1 s, a 3 s lease (longer than a send can take, as the app's is).
One JSON line per event on stdout.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from oncall_tui.clients.alertmanager import AlertmanagerClient  # noqa: E402
from oncall_tui.clients.http import build_async_client  # noqa: E402
from oncall_tui.clients.notify import Notifier  # noqa: E402
from oncall_tui.clock import SystemClock  # noqa: E402
from oncall_tui.config.alerting import AlertSettings  # noqa: E402
from oncall_tui.config.settings import SourceSettings  # noqa: E402
from oncall_tui.models.alertmanager import Alert  # noqa: E402
from oncall_tui.services.actions import AlertActions, AlertTarget  # noqa: E402
from oncall_tui.services.outbox_drain import Backoff, Deliverer, Delivery, OutboxDrain  # noqa: E402
from oncall_tui.store.db import Database  # noqa: E402

USER = "exactly-once@oncall-tui"
TIMEOUT = 1.0
"""Seconds a send waits for an answer."""
BACKOFF = Backoff(base=timedelta(seconds=0.2), cap=timedelta(seconds=1))
"""Retries come quickly, so a test does not wait minutes."""
LEASE = timedelta(seconds=3)
"""How long a claimed (or first-attempted) item is out of other drains' reach: longer than a send."""


def settings(webhook: str) -> AlertSettings:
    """One webhook notifier and a two-level policy for every alert."""
    return AlertSettings.model_validate(
        {
            "notifiers": {"pager": {"kind": "webhook", "url": f"{webhook}/escalate", "timeout": TIMEOUT}},
            # An incident starts at the first level: escalating it notifies the second.
            "escalation_policies": {
                "main": {
                    "levels": [
                        {"name": "primary", "targets": ["pager"]},
                        {"name": "secondary", "targets": ["pager"]},
                    ]
                }
            },
            "default_escalation_policy": "main",
        }
    )


def target() -> AlertTarget:
    """The alert acked and escalated."""
    alert = Alert(
        labels={"alertname": "DiskFull", "severity": "critical", "instance": "db1"},
        fingerprint="0123456789abcdef",
        starts_at=datetime.now(UTC) - timedelta(minutes=3),
    )
    return AlertTarget("group:null:{alertname='DiskFull'}", {"alertname": "DiskFull"}, (alert,), "critical")


def say(**event: object) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


async def main(argv: list[str]) -> None:
    db_path, am_url, webhook = argv[0], argv[1], argv[2]
    alerting = settings(webhook)
    clock = SystemClock()
    db = Database.open(Path(db_path))
    client = AlertmanagerClient(build_async_client(am_url, SourceSettings(timeout=TIMEOUT)))
    notifier = Notifier(alerting.notifiers)
    actions = AlertActions(
        db, client, settings=alerting, user=USER, clock=clock, notifier=notifier, backoff=BACKOFF, lease=LEASE
    )
    say(event="started")
    if "--issue" in argv[3:]:
        chosen = target()
        ack, escalation = await asyncio.gather(
            actions.ack(chosen, duration="1h", comment="exactly once"),
            actions.escalate(chosen, reason="exactly once"),
        )
        say(event="issued", ack=ack.status.value, escalate=escalation.status.value)

    def delivered(deliveries: object) -> None:
        assert isinstance(deliveries, list)
        items: list[Delivery] = deliveries
        say(event="delivered", outcomes=[[d.kind, d.outcome.value] for d in items])

    drain = OutboxDrain(
        db, Deliverer(client, notifier), clock, backoff=BACKOFF, lease=LEASE, on_delivered=delivered
    )
    await drain.run(idle=0.5)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))

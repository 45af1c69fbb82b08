"""Acking an alert someone else acked: the dialog says who, when, why and until when, and asks before
replacing their ack (issue 8, item 8). Recorded karma Alertmanager at 80x24; the user is alice@laptop."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from oncall_tui.domain.silences import silence_marker
from oncall_tui.ui.screens.modals import AckModal, ConfirmModal
from tests.support.alert_fakes import NOW, AlertBackends, _iso, next_poll, polled, screen_of, until
from tests.support.screen_text import screen_text

SERVER1 = "7013294faf5f854d"


def bobs_ack(backends: AlertBackends) -> None:
    """Bob acked Host_Down on server1 with his own oncall-tui, 12 min ago, for an hour."""
    backends.silences.append(
        {
            "id": "bob-ack",
            "matchers": [
                {"name": "alertname", "value": "Host_Down", "isRegex": False, "isEqual": True},
                {"name": "instance", "value": "server1", "isRegex": False, "isEqual": True},
            ],
            "startsAt": _iso(NOW - timedelta(minutes=12)),
            "endsAt": _iso(NOW + timedelta(minutes=48)),
            "createdBy": "bob@desk",
            "comment": f"restarting the NIC {silence_marker('ack-bob')}",
            "updatedAt": _iso(NOW - timedelta(minutes=12)),
        }
    )


def flat(app: object) -> str:
    return " ".join(screen_text(app).replace("│", " ").split())


async def test_reacking_shows_the_existing_ack_and_replaces_it_only_when_confirmed(tmp_path: Path) -> None:
    backends = AlertBackends()
    bobs_ack(backends)
    app = backends.make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await polled(pilot)
        screen = screen_of(app)
        await pilot.press("t")  # acked alerts are hidden from the active view
        screen.table.move_to(SERVER1)
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, AckModal), "the ack dialog")
        await pilot.pause()
        shown = flat(app)
        assert "Already acked" in shown, shown
        assert "bob@desk acked it 12m ago, until 13:50 (48m left): “restarting the NIC”" in shown, shown
        # Declining the replacement keeps Bob's ack and creates nothing.
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the replace question")
        assert "Replace the existing ack?" in flat(app) and "bob@desk acked it" in flat(app)
        await pilot.press("n")
        await until(pilot, lambda: app.screen is screen, "back to the queue")
        assert len(backends.silences) == 4
        # Confirmed: Alice's ack is created and Bob's silence expired.
        await pilot.press("a", "enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the replace question")
        await pilot.press("y")
        await until(pilot, lambda: len(backends.silences) == 5, "alice's ack")
        await until(pilot, lambda: backends.silences[3]["endsAt"] == _iso(NOW), "bob's ack expired")
        assert backends.silences[4]["createdBy"] == "alice@laptop"
        await next_poll(pilot)
        assert "alice" in screen.table.cell_text(SERVER1, "status")

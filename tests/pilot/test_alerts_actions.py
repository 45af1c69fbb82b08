"""Ack, unack and escalate from the Alerts screen: what Alertmanager, the webhook and the log receive.

Every action goes through services/actions.py (incident log first, outbox, then send);
these tests check what the user sees (toasts, pending marks, acked-by) and what the
servers got, with the recorded karma alerts ranked by cluster (see alert_fakes.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from textual.widgets import Input, Static

from oncall_tui.models.incident import TimelineKind
from oncall_tui.store.db import Database
from oncall_tui.store.incidents import IncidentLog
from oncall_tui.ui.screens.escalate_modal import EscalateModal
from oncall_tui.ui.screens.modals import AckModal, SpaceCheckbox
from tests.support.alert_fakes import (
    AlertBackends,
    alert_keys,
    minutes,
    next_poll,
    plain,
    polled,
    screen_of,
    summary,
    until,
)
from tests.support.fake_backends import AM_URLS
from tests.support.screen_text import screen_text
from tests.support.waiting import wait_until

SIZE = (80, 24)
SERVER1 = "7013294faf5f854d"
SERVER2 = "fa959d3911d1978b"


def toasts(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


def timeline(tmp_path: Path, backends: AlertBackends) -> list[tuple[str, str]]:
    db = Database.open(tmp_path / "incidents.sqlite3")
    try:
        log = IncidentLog(db, backends.clock)
        return [(e.kind, e.text) for i in log.list_incidents() for e in log.timeline(i.id)]
    finally:
        db.close()


async def test_ack_asks_duration_and_comment_then_shows_who_acked_and_time_left(tmp_path: Path) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        table = screen_of(app).table
        table.move_to(SERVER1)
        await pilot.press("a")
        assert isinstance(app.screen, AckModal)
        assert app.screen.query_one("#ack-duration", Input).value == "1h"
        await pilot.press("tab", *"on it", "enter")
        await until(pilot, lambda: any("ack done" in t for t in toasts(app)), "ack done toast")
        created = backends.silences[-1]
        assert created["createdBy"] == "alice@laptop"
        assert created["comment"].startswith("on it (oncall-tui a")
        assert {m["name"]: m["value"] for m in created["matchers"]}["instance"] == "server1"
        await next_poll(pilot)
        # Still in the queue (it is ours), marked with who, how long ago and time left.
        assert table.cell_text(SERVER1, "status") == "✓ alice 0s·1h00m left"
        assert "(1 acked)" in summary(app)
        assert table.cell_text(SERVER1, "due") == "46m"  # investigate met; resolve target left
        kinds = [k for k, _ in timeline(tmp_path, backends)]
        assert TimelineKind.ACK in kinds and TimelineKind.ACTION_DONE in kinds


async def test_ack_with_a_bad_duration_says_why_keeps_the_dialog_and_opens_no_incident(
    tmp_path: Path,
) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        screen_of(app).table.move_to(SERVER1)
        # The default duration is selected: typing replaces it.
        await pilot.press("a", *"soon")
        modal = app.screen
        assert isinstance(modal, AckModal)
        assert "not a duration" in plain(modal.query_one("#ack-duration-error", Static).content)
        await pilot.press("enter")
        assert app.screen is modal
        await until(pilot, lambda: any("ack:" in t for t in toasts(app)), "rejection toast")
        # A typo is not an incident: nothing is opened just to log it (it would be, were one open).
        assert timeline(tmp_path, backends) == []
        # An end time already past is refused too (the clock says 13:02).
        await pilot.press("end", *["backspace"] * 6, *"12:30")
        assert "in the past" in plain(modal.query_one("#ack-duration-error", Static).content)
        # So is an empty duration.
        await pilot.press("end", *["backspace"] * 6)
        assert "empty" in plain(modal.query_one("#ack-duration-error", Static).content)
        await pilot.press("escape")
        assert app.screen is not modal
        assert len(backends.silences) == 3


async def test_space_selects_several_and_one_ack_silences_exactly_them(tmp_path: Path) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        table = screen_of(app).table
        table.move_to(SERVER1)
        await pilot.press("space", "space")
        assert table.selected == {SERVER1, SERVER2}
        assert table.cell_text(SERVER1, "alert").startswith("✓ ")
        await pilot.press("a", "enter")
        await until(pilot, lambda: any("ack done" in t for t in toasts(app)), "ack done")
        await next_poll(pilot)
        assert table.selected == set()
        for key in (SERVER1, SERVER2):
            assert table.cell_text(key, "status").startswith("✓ alice")
        others = [k for k in alert_keys(table) if k not in (SERVER1, SERVER2)]
        assert all(not table.cell_text(k, "status").startswith("✓") for k in others)


async def test_unack_expires_the_ack_and_the_alert_is_active_again(tmp_path: Path) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        table = screen_of(app).table
        table.move_to(SERVER1)
        await pilot.press("a", "enter")
        await until(pilot, lambda: any("ack done" in t for t in toasts(app)), "ack done")
        await next_poll(pilot)
        table.move_to(SERVER1)
        await pilot.press("u")
        await until(pilot, lambda: any("unack done" in t for t in toasts(app)), "unack done")
        assert backends.silences[-1]["endsAt"] == "2026-03-11T13:02:00Z"
        await next_poll(pilot)
        assert table.cell_text(SERVER1, "status").startswith("⇡")
        # Unack on an alert nobody acked here says so and sends nothing.
        table.move_to(SERVER2)
        await pilot.press("u")
        assert "Not acked" in toasts(app)[-1]


async def test_alertmanager_rejecting_the_silence_is_an_error_not_a_pending_ack(tmp_path: Path) -> None:
    backends = AlertBackends()
    backends.reject_silences = "silence invalid: matcher value too long"
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        table = screen_of(app).table
        table.move_to(SERVER1)
        await pilot.press("a", "enter")
        await until(pilot, lambda: any("too long" in t for t in toasts(app)), "rejection toast")
        error = next(n for n in app._notifications if "too long" in n.message)
        assert error.severity == "error"
        await next_poll(pilot)
        assert not table.cell_text(SERVER1, "status").startswith("⧗")


async def test_ack_while_alertmanager_is_down_is_pending_then_delivered_once(tmp_path: Path) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        table = screen_of(app).table
        table.move_to(SERVER1)
        for url in AM_URLS:
            backends.down.add(url.split("//")[1].split(":")[0])
        await pilot.press("a", "enter")
        await until(pilot, lambda: any("pending" in t for t in toasts(app)), "pending toast")
        await until(pilot, lambda: "queued" in summary(app), "queued mark")
        assert table.cell_text(SERVER1, "status") == "⧗ ack pending"
        # The Silences screen lists it as queued: nothing is lost while Alertmanager is away.
        await pilot.press("L")
        lines = app.screen.lines  # type: ignore[attr-defined]
        assert [line.state for line in lines if line.created_by == "alice@laptop"] == ["queued"]
        await pilot.press("escape")
        backends.down.clear()
        # The drain retries when its backoff is over; the clock is frozen, so move it on.
        backends.fake_clock.advance(120)
        app.alert_feed.wake()
        await until(pilot, lambda: len(backends.silences) == 4, "silence delivered")
        await next_poll(pilot)
        await until(pilot, lambda: table.cell_text(SERVER1, "status").startswith("✓"), "acked mark")
        app.alert_feed.wake()
        await next_poll(pilot)
        assert len(backends.silences) == 4


async def test_escalate_asks_first_then_notifies_the_next_level(tmp_path: Path) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        screen_of(app).table.move_to(SERVER1)
        await pilot.press("e")
        assert isinstance(app.screen, EscalateModal)
        question = " ".join(screen_text(app).split())
        assert "to level 2 “secondary”, notifying team-hook" in question
        await pilot.press("n")
        assert not isinstance(app.screen, EscalateModal)
        assert backends.webhooks == []
        # enter never escalates; a reason typed after tab goes into the notification text.
        await pilot.press("e", "enter")
        assert isinstance(app.screen, EscalateModal) and backends.webhooks == []
        await pilot.press("tab", *"yes db down", "enter")
        assert isinstance(app.screen, EscalateModal) and backends.webhooks == []
        await pilot.press("y")
        await until(pilot, lambda: backends.webhooks, "webhook")
        body = backends.webhooks[0]
        assert body["level"]["name"] == "secondary"
        assert body["text"] == "escalated to secondary (step 2 of 2, policy primary): yes db down"
        assert body["alerts"][0]["fingerprint"] == SERVER1
        await until(pilot, lambda: any("escalate to secondary done" in t for t in toasts(app)), "toast")


async def test_failing_notifier_leaves_the_escalation_pending(tmp_path: Path) -> None:
    backends = AlertBackends()
    backends.webhook_down = True
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        screen_of(app).table.move_to(SERVER1)
        await pilot.press("e", "y")
        await until(pilot, lambda: any("pending" in t for t in toasts(app)), "pending toast")
        assert "503" in toasts(app)[-1]
        await until(pilot, lambda: "queued" in summary(app), "queued mark")


async def test_unacked_top_severity_escalates_by_itself_when_its_countdown_ends(tmp_path: Path) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        table = screen_of(app).table
        assert table.cell_text(SERVER1, "status") == "⇡ 16m → secondary"
        # Polling and escalation run at app level: they go on while another screen shows.
        await pilot.press("S")
        backends.fake_clock.advance(minutes(17).total_seconds())
        await next_poll(pilot)
        await until(pilot, lambda: backends.webhooks, "automatic escalation")
        await pilot.press("A")
        assert backends.webhooks[0]["level"]["name"] == "secondary"
        assert any("Automatic" in (n.title or "") for n in app._notifications)
        await next_poll(pilot)
        # At the last level nothing escalates any more: no countdown.
        await until(pilot, lambda: not table.cell_text(SERVER1, "status").startswith("⇡"), "no countdown")


async def test_ack_on_a_group_header_silences_its_alerts_and_until_resolved_is_marked(
    tmp_path: Path,
) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        table = screen_of(app).table
        table.move_to(table.keys[0])  # Host_Down, cluster=prod: server1 and server2
        await pilot.press("a", "tab", "tab", "space")
        modal = app.screen
        assert isinstance(modal, AckModal)
        assert "until resolved: ON" in str(modal.query_one("#ack-until", SpaceCheckbox).label)
        await pilot.press("enter")
        await until(pilot, lambda: any("ack done" in t for t in toasts(app)), "ack done")
        created = backends.silences[-1]
        assert "(oncall-tui u" in created["comment"]
        matchers = {m["name"]: m for m in created["matchers"]}
        assert matchers["instance"]["isRegex"] and set(matchers["instance"]["value"].split("|")) == {
            "server1",
            "server2",
        }
        await next_poll(pilot)
        for key in (SERVER1, SERVER2):
            assert table.cell_text(key, "status") == "✓ alice 0s·until resolved"
        # The other prod alert (Memory_Usage_Too_High on server2) is not covered.
        assert table.cell_text("7d0b114ebf24f857", "status").startswith("⇡")


async def test_every_peer_down_keeps_the_last_queue_and_says_it_is_stale(tmp_path: Path) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        for url in AM_URLS:
            backends.down.add(url.split("//")[1].split(":")[0])
        app.alert_feed.wake()
        await until(pilot, lambda: "STALE" in summary(app), "stale mark")
        assert "connection refused by http://" in summary(app)
        assert len(alert_keys(screen_of(app).table)) == 8
        backends.down.clear()
        app.alert_feed.wake()
        await until(pilot, lambda: "STALE" not in summary(app), "recovered")


STAGING_AM = "http://alertmanager.staging.example:9093"


class TwoClusterBackends(AlertBackends):
    """prod-eu and staging each have an Alertmanager; every POST is recorded with its host."""

    def __init__(self) -> None:
        super().__init__()
        self.posts: list[str] = []
        """Host of every POST /api/v2/silences that was answered."""

    def raw_settings(self) -> dict[str, Any]:
        base = super().raw_settings()
        base["contexts"]["staging"]["alertmanager"] = {"urls": [STAGING_AM]}
        return base

    def _handler(self, source: str) -> Callable[[httpx.Request], httpx.Response]:
        inner = super()._handler(source)

        def handle(request: httpx.Request) -> httpx.Response:
            response = inner(request)
            if request.method == "POST" and request.url.path == "/api/v2/silences":
                self.posts.append(request.url.host)
            return response

        return handle


async def test_an_ack_queued_in_one_context_is_never_sent_to_another_contexts_alertmanager(
    tmp_path: Path,
) -> None:
    backends = TwoClusterBackends()
    prod_hosts = {url.split("//")[1].split(":")[0] for url in AM_URLS}
    app = backends.make_app(tmp_path, context="prod-eu")
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        screen_of(app).table.move_to(SERVER1)
        backends.down.update(prod_hosts)
        await pilot.press("a", "enter")
        await until(pilot, lambda: any("pending" in t for t in toasts(app)), "pending toast")
        silences_before = len(backends.silences)

        # staging: its Alertmanager answers; the queued prod-eu ack is neither sent nor shown there.
        app.switch_context("staging")
        await until(pilot, lambda: app.alert_feed.state.snapshot is not None, "staging's first poll")
        backends.fake_clock.advance(600)  # well past any backoff
        app.alert_feed.wake()
        await next_poll(pilot)
        await next_poll(pilot)
        assert "queued" not in summary(app)
        assert backends.posts == [] and len(backends.silences) == silences_before

        # Back on prod-eu, still unreachable: the ack is shown as queued there.
        app.switch_context("prod-eu")
        await until(pilot, lambda: "queued" in summary(app), "queued mark back on prod-eu")
        assert backends.posts == []

        # prod-eu's Alertmanager comes back: delivered there, once.
        backends.down.clear()
        backends.fake_clock.advance(600)
        app.alert_feed.wake()
        # The drain's next round, on a loaded 2-core CI box: more than the usual 10 s limit.
        await wait_until(pilot, lambda: len(backends.posts) == 1, "ack delivered", within=30)
        assert backends.posts[0] in prod_hosts
        await until(pilot, lambda: "queued" not in summary(app), "queued mark gone")
        backends.fake_clock.advance(600)
        app.alert_feed.wake()
        await next_poll(pilot)
        await next_poll(pilot)
        assert len(backends.posts) == 1 and len(backends.silences) == silences_before + 1

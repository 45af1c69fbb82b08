"""An ack marked "not actionable" (ctrl+n in the ack dialog) reaches the incident list and the Report.

The recorded karma alerts (tests/support/alert_fakes.py) are polled; each firing is written to the
incident log, the ack opens the group's incident, and the Report's noise table counts it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from oncall_tui.store.db import Database
from oncall_tui.store.incidents import IncidentLog
from oncall_tui.ui.screens.incidents import IncidentsScreen
from oncall_tui.ui.screens.modals import AckModal
from oncall_tui.ui.screens.report import ReportScreen
from tests.support.alert_fakes import AlertBackends, polled, screen_of, until
from tests.support.screen_text import rendered_lines

SERVER1 = "7013294faf5f854d"


def toasts(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


async def test_a_not_actionable_ack_is_logged_listed_and_counted_as_noise(tmp_path: Path) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await polled(pilot)
        table = screen_of(app).table
        table.move_to(SERVER1)
        snapshot = app.alert_feed.state.snapshot
        assert snapshot is not None
        alertname = next(a for a in snapshot.alerts() if a.fingerprint == SERVER1).alertname
        fired = sum(1 for a in snapshot.alerts() if a.alertname == alertname)
        await pilot.press("a")
        assert isinstance(app.screen, AckModal)
        await pilot.press("ctrl+n")
        assert any("not actionable (noise): YES" in line for line in rendered_lines(app))
        await pilot.press("enter")
        await until(pilot, lambda: any("ack done" in t for t in toasts(app)), "ack done toast")

        await pilot.press("I")
        await until(pilot, lambda: isinstance(app.screen, IncidentsScreen) and app.screen.rows, "incidents")
        await pilot.pause()
        assert any(" acked " in line and alertname in line for line in rendered_lines(app))

        await pilot.press("ctrl+p", *"Report")
        await pilot.pause()
        await pilot.press("enter")
        await until(
            pilot, lambda: isinstance(app.screen, ReportScreen) and app.screen.report is not None, "report"
        )
        await pilot.pause()
        noise = [line.split() for line in rendered_lines(app) if line.strip().startswith(alertname)]
        # Every alert of that name fired once; one was acked, and that ack was marked noise.
        assert noise and noise[0][1:4] == [str(fired), "1", "100%"], noise

    with Database.open(tmp_path / "incidents.sqlite3") as db:
        log = IncidentLog(db, backends.clock)
        acks = [e for i in log.list_incidents() for e in log.timeline(i.id) if e.kind == "ack"]
    assert [e.data.get("not_actionable") for e in acks] == [True]
    assert acks[0].text.endswith("(not actionable)")


async def test_an_incident_opened_by_hand_links_the_firing_alerts_named(tmp_path: Path) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await polled(pilot)
        snapshot = app.alert_feed.state.snapshot
        assert snapshot is not None
        host_down = sum(1 for a in snapshot.alerts() if a.alertname == "Host_Down")
        await pilot.press("I")
        await until(pilot, lambda: isinstance(app.screen, IncidentsScreen), "incidents")
        await pilot.press("N")
        await until(pilot, lambda: any("New incident" in line for line in rendered_lines(app)), "dialog")
        await pilot.press(
            *"hosts flapping in prod", "tab", "ctrl+u", *"warning", "tab", *"host_down, NoSuchAlert"
        )
        await pilot.press("enter")
        await until(pilot, lambda: any("incident #1 opened" in t for t in toasts(app)), "opened toast")
        assert any("not firing now, not linked: NoSuchAlert" in t for t in toasts(app))
        await until(pilot, lambda: any("hosts flapping" in line for line in rendered_lines(app)), "listed")
        row = next(line for line in rendered_lines(app) if "hosts flapping" in line)
        assert row.split()[:3] == ["#1", "triggered", "warning"]
        assert row.split()[-3:] == [str(host_down), "prod-eu", "—"]
        # Unlinking one from the detail leaves the others.
        await pilot.press("enter")
        await until(pilot, lambda: any("alerts: Host_Down" in line for line in rendered_lines(app)), "detail")
        await pilot.press("u")
        await until(
            pilot, lambda: any("Unlink an alert" in line for line in rendered_lines(app)), "unlink prompt"
        )
        await pilot.press("enter")
        await until(pilot, lambda: any("unlinked from #1" in t for t in toasts(app)), "unlinked toast")
        await until(
            pilot, lambda: any(" alert − " in line for line in rendered_lines(app)), "unlink in timeline"
        )

"""The runbook step-through on the demo: done/skip/note logged, resume after a restart, copy, run.

Each test drives the real screen by keys and reads what it rendered; the incident log is a real
SQLite file, reopened for the resume test as after a restart.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from textual.widgets import Markdown, Static

from oncall_tui.demo import DemoEnvironment
from oncall_tui.demo.runbook_settings import demo_runbook_settings
from oncall_tui.models.incident_record import StepStatus
from oncall_tui.services.runbook_loader import runbook_for_alert
from oncall_tui.services.runbook_session import RUN_KIND, IncidentRef, RunbookSession
from oncall_tui.store.db import Database
from oncall_tui.store.incidents import IncidentLog
from oncall_tui.store.runbook_progress import RunbookProgress
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.run_confirm import RunConfirmModal
from oncall_tui.ui.screens.runbook import RunbookScreen
from oncall_tui.ui.widgets.runbook_step import QueryPanel
from tests.support.waiting import wait_until

LABELS = {"alertname": "TargetDown", "instance": "node-3:9100", "job": "node", "severity": "warning"}
URL = "https://runbooks.example.com/node/target-down"
GROUP = IncidentRef(group_key='demo/{}:{alertname="TargetDown"}', title="TargetDown", severity="warning")


def text_of(screen: RunbookScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def body_of(screen: RunbookScreen) -> str:
    return screen.query_one("#rb-body", Markdown).source


def new_session(db: Database, clock: Any) -> RunbookSession:
    runbook = runbook_for_alert(LABELS, {"runbook_url": URL}, demo_runbook_settings())
    return RunbookSession(
        runbook, runbook.source, GROUP, RunbookProgress(db, clock), IncidentLog(db, clock), "ann"
    )


@asynccontextmanager
async def step_through(
    demo: DemoEnvironment, tmp_path: Path, db_path: Path | None = None
) -> AsyncIterator[tuple[RunbookScreen, Any, Database]]:
    """The demo app showing the TargetDown runbook, its incident log in ``db_path``."""
    app = OncallApp(demo.settings(), demo=True, clock=demo.clock, database_path=tmp_path / "app.sqlite3")
    with Database.open(db_path or tmp_path / "log.sqlite3") as db:
        async with app.run_test(size=(100, 30)) as pilot:
            yield await open_screen(app, pilot, new_session(db, demo.clock)), pilot, db


async def open_screen(app: OncallApp, pilot: Any, session: RunbookSession) -> RunbookScreen:
    screen = RunbookScreen(session, prometheus=lambda: app.sources.prometheus(), time_limit=5)  # type: ignore[union-attr]
    await app.push_screen(screen)
    await wait_until(pilot, lambda: "step " in text_of(screen, "#rb-progress"), "the runbook loaded")
    return screen


async def test_done_skip_note_are_logged_and_rendered(demo: DemoEnvironment, tmp_path: Path) -> None:
    clock = demo.clock
    async with step_through(demo, tmp_path) as (screen, pilot, db):
        assert text_of(screen, "#rb-context") == "Meaning"
        assert text_of(screen, "#rb-progress").startswith("step 1 of 5")
        assert "○ to do" in text_of(screen, "#rb-progress")
        # The alert's labels are filled into the text.
        assert "Prometheus cannot scrape `node-3:9100` of job `node`" in body_of(screen)

        await pilot.press("d")
        await wait_until(
            pilot, lambda: text_of(screen, "#rb-progress").startswith("step 2 of 5 · 1 done"), "done"
        )
        assert text_of(screen, "#rb-context") == "Diagnosis › See which targets of the job are down right now"
        assert "▰▰" in text_of(screen, "#rb-progress") and "20%" in text_of(screen, "#rb-progress")

        await pilot.press("s")
        await wait_until(pilot, lambda: "1 skipped" in text_of(screen, "#rb-progress"), "skipped")
        await pilot.press("n")
        await pilot.press(*"exported the host")
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: "note: exported the host" in text_of(screen, "#rb-note"), "note shown"
        )

        incident = IncidentLog(db, clock).find_open_incident(GROUP.group_key)
        assert incident is not None
        assert f"incident #{incident.id}" in text_of(screen, "#rb-title")
        texts = [e.text for e in IncidentLog(db, clock).timeline(incident.id)]
        rb = screen.session.runbook_id
        assert texts[-3:] == [
            f"runbook step 1 done: Meaning ({rb})",
            f"runbook step 2 skipped: See which targets of the job are down right now ({rb})",
            "exported the host",
        ]


async def test_progress_resumes_after_a_restart(demo: DemoEnvironment, tmp_path: Path) -> None:
    clock = demo.clock
    path = tmp_path / "log.sqlite3"
    with Database.open(path) as db:
        first = new_session(db, clock)
        await first.load()
        await first.mark(StepStatus.DONE)
        await first.mark(StepStatus.DONE)
    app = OncallApp(demo.settings(), demo=True, clock=clock, database_path=tmp_path / "app.sqlite3")
    with Database.open(path) as reopened:
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await open_screen(app, pilot, new_session(reopened, clock))
            assert text_of(screen, "#rb-progress").startswith("step 3 of 5 · 2 done")
            assert text_of(screen, "#rb-context") == "Diagnosis › Keep the host name for the next step"


async def test_live_query_shows_the_current_value(demo: DemoEnvironment, tmp_path: Path) -> None:
    async with step_through(demo, tmp_path) as (screen, pilot, db):
        await pilot.press("right")
        await wait_until(pilot, lambda: len(screen.view.query_panels()) == 1, "query panel")
        panel = screen.query_one(QueryPanel)
        assert 'up{job="node"} == 0' in str(panel.query_one(".query-expr", Static).render())
        value = panel.query_one(".query-value", Static)
        await wait_until(pilot, lambda: "current" in str(value.render()), "the query's current value")
        assert str(value.render()).strip() == "current 0"


async def test_copy_gives_the_command_without_prompt(demo: DemoEnvironment, tmp_path: Path) -> None:
    async with step_through(demo, tmp_path) as (screen, pilot, db):
        app = screen.oncall_app
        await pilot.press("right", "right")
        await wait_until(
            pilot, lambda: "$ export TARGET_HOST=node-3:9100" in text_of(screen, "#rb-commands"), "cmd"
        )
        await pilot.press("y")
        assert app.clipboard == "export TARGET_HOST=node-3:9100"


async def test_run_needs_y_and_enter_is_refused(demo: DemoEnvironment, tmp_path: Path) -> None:
    clock = demo.clock
    async with step_through(demo, tmp_path) as (screen, pilot, db):
        app = screen.oncall_app
        await pilot.press("right", "right", "right")  # step 4: getent, with TARGET_HOST from step 3
        await wait_until(pilot, lambda: "getent hosts" in text_of(screen, "#rb-commands"), "step 4")
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, RunConfirmModal), "the confirmation")
        modal = app.screen
        assert isinstance(modal, RunConfirmModal)
        shown = str(modal.query_one("#run-script-text", Static).render())
        assert 'getent hosts "${TARGET_HOST%%:*}" || echo "no address for $TARGET_HOST"' in shown
        assert "with TARGET_HOST=node-3:9100" in str(modal.query_one(".hint", Static).render())

        await pilot.press("enter")
        assert app.screen is modal  # enter never confirms
        assert "enter does not run" in str(modal.query_one("#run-hint", Static).render())
        await pilot.press("escape")
        assert isinstance(app.screen, RunbookScreen)
        # Nothing ran, so nothing was logged (no incident was even opened).
        assert IncidentLog(db, clock).find_open_incident(GROUP.group_key) is None

        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, RunConfirmModal), "the confirmation again")
        await pilot.press("y")
        run = screen.query_one("#rb-run", Static)
        await wait_until(pilot, lambda: "ran step 4 command" in str(run.render()), "the run logged")
        assert "no address for node-3:9100" in str(run.render())
        incident = IncidentLog(db, clock).find_open_incident(GROUP.group_key)
        assert incident is not None
        entry = IncidentLog(db, clock).timeline(incident.id)[-1]
        assert entry.kind == RUN_KIND and entry.data["exit_code"] == 0
        assert entry.data["output"] == ["no address for node-3:9100"]

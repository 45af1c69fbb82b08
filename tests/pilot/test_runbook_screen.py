"""The runbook step-through on the demo, driven by keys from the alert queue.

`r` on the first (critical) alert opens its runbook; done/skip/note are logged in the alert group's
incident; progress resumes in a restarted app; `y` copies a command; `x` runs one only after `y` in
a dialog showing it (enter refused). Each test reads what the screen rendered.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from textual.widgets import Markdown, Static

from oncall_tui.demo import DemoEnvironment
from oncall_tui.domain.alert_queue import AlertRow
from oncall_tui.models.incident import TimelineEntry
from oncall_tui.services.runbook_session import RUN_KIND
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.runbook_app import RunbookApp
from oncall_tui.ui.screens.alerts import AlertsScreen
from oncall_tui.ui.screens.run_confirm import RunConfirmModal
from oncall_tui.ui.screens.runbook import RunbookScreen
from oncall_tui.ui.screens.runbook_open import screen_for_incident
from oncall_tui.ui.widgets.runbook_step import QueryGrid
from tests.pilot.test_incidents_screens import open_detail
from tests.support.screen_text import rendered_lines
from tests.support.waiting import wait_until


def text_of(screen: RunbookScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def progress(screen: RunbookScreen) -> str:
    return text_of(screen, "#rb-progress")


@asynccontextmanager
async def runbook_of_first_alert(
    demo: DemoEnvironment, db: Path, size: tuple[int, int] = (100, 30)
) -> AsyncIterator[tuple[OncallApp, Any, RunbookScreen]]:
    """The demo app with `r` pressed on the first alert of the queue (CheckoutHighErrorRate)."""
    app = OncallApp(demo.settings(), demo=True, clock=demo.clock, database_path=db)
    async with app.run_test(size=size) as pilot:
        alerts = app.screen
        assert isinstance(alerts, AlertsScreen)
        await wait_until(pilot, lambda: isinstance(alerts.table.current, AlertRow), "the first alert row")
        await wait_until(pilot, lambda: app.alert_feed.actions is not None, "the incident log open")
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, RunbookScreen), "the runbook screen")
        screen = app.screen
        assert isinstance(screen, RunbookScreen)
        await wait_until(pilot, lambda: progress(screen).startswith("step "), "the runbook read")
        yield app, pilot, screen


def timeline(app: OncallApp, screen: RunbookScreen) -> list[TimelineEntry]:
    actions = app.alert_feed.actions
    assert actions is not None and screen.session is not None and screen.session.incident_id is not None
    return actions.log.timeline(screen.session.incident_id)


async def to_step(pilot: Any, screen: RunbookScreen, n: int) -> None:
    while not progress(screen).startswith(f"step {n} of"):
        await pilot.press("right")
        await pilot.pause()


async def test_r_opens_the_alerts_runbook_and_done_skip_note_are_logged(
    demo: DemoEnvironment, tmp_path: Path
) -> None:
    async with runbook_of_first_alert(demo, tmp_path / "log.sqlite3") as (app, pilot, screen):
        assert text_of(screen, "#rb-title").startswith("CheckoutHighErrorRate  ·  ")
        assert text_of(screen, "#rb-context") == "Meaning"
        assert progress(screen).startswith("step 1 of 6") and "○ to do" in progress(screen)
        # The alert's labels fill the runbook's placeholders.
        assert "requests to `checkout` answer with a 5xx" in screen.query_one("#rb-body", Markdown).source

        await pilot.press("d")
        await wait_until(pilot, lambda: progress(screen).startswith("step 2 of 6 · 1 done"), "done")
        assert (
            text_of(screen, "#rb-context") == "Diagnosis › See how the error ratio moved over the last hour"
        )
        assert "▰▰" in progress(screen) and "17%" in progress(screen)
        assert "incident #" in text_of(screen, "#rb-title")

        await pilot.press("s")
        await wait_until(pilot, lambda: "1 skipped" in progress(screen), "skipped")
        await pilot.press("n")
        await pilot.press(*"error ratio back to normal")
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: "note: error ratio back to normal" in text_of(screen, "#rb-note"), "note"
        )

        rb = screen.session.runbook_id if screen.session else ""
        entries = timeline(app, screen)
        assert [e.text for e in entries[-3:]] == [
            f"runbook step 1 done: Meaning ({rb})",
            f"runbook step 2 skipped: See how the error ratio moved over the last hour ({rb})",
            "error ratio back to normal",
        ]
        assert entries[0].text.startswith("opened: CheckoutHighErrorRate")


async def test_progress_resumes_after_a_restart(demo: DemoEnvironment, tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    async with runbook_of_first_alert(demo, db) as (_, pilot, screen):
        await pilot.press("d")
        await wait_until(pilot, lambda: "1 done" in progress(screen), "first done")
        await pilot.press("d")
        await wait_until(pilot, lambda: "2 done" in progress(screen), "second done")
    async with runbook_of_first_alert(demo, db) as (_, pilot, screen):
        assert progress(screen).startswith("step 3 of 6 · 2 done")
        assert (
            text_of(screen, "#rb-context")
            == "Diagnosis › Remember the instance the alert names, for the next steps"
        )


async def test_a_promql_block_is_drawn_live_with_its_current_value(
    demo: DemoEnvironment, tmp_path: Path
) -> None:
    async with runbook_of_first_alert(demo, tmp_path / "log.sqlite3") as (_, pilot, screen):
        await to_step(pilot, screen, 2)
        grid = screen.query_one(QueryGrid)
        await wait_until(pilot, lambda: grid.slots and grid.slots[0].data is not None, "the query's data")
        lines = [grid.render_line(y).text for y in range(3)]
        title, spark, detail = lines
        assert title.lstrip(" ▌").startswith('sum(rate(http_requests_total{service="checkout",code=~"5..')
        # The panel's current value ends the title line; the ratio of failed checkout requests is > 0.
        assert float(title.split()[-1]) > 0
        assert sum(ch in "▁▂▃▄▅▆▇█" for ch in spark) > 10
        assert "–" in detail  # min–max of the window


async def test_y_copies_the_command_without_prompt_or_output(demo: DemoEnvironment, tmp_path: Path) -> None:
    async with runbook_of_first_alert(demo, tmp_path / "log.sqlite3") as (app, pilot, screen):
        await to_step(pilot, screen, 3)
        await wait_until(
            pilot, lambda: "$ export INSTANCE=checkout:8080" in text_of(screen, "#rb-commands"), "cmd"
        )
        await pilot.press("y")
        assert app.clipboard == 'export INSTANCE=checkout:8080\necho "checking $INSTANCE"'


async def test_x_runs_only_after_y_and_enter_is_refused(demo: DemoEnvironment, tmp_path: Path) -> None:
    async with runbook_of_first_alert(demo, tmp_path / "log.sqlite3") as (app, pilot, screen):
        await to_step(pilot, screen, 5)  # uses INSTANCE, exported in step 3
        await wait_until(pilot, lambda: "would roll back" in text_of(screen, "#rb-commands"), "step 5")
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, RunConfirmModal), "the confirmation")
        modal = app.screen
        assert isinstance(modal, RunConfirmModal)
        shown = str(modal.query_one("#run-script-text", Static).render())
        assert shown.strip() == 'echo "would roll back the last deploy of $INSTANCE"'
        assert "with INSTANCE=checkout:8080" in str(modal.query_one(".hint", Static).render())

        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is modal  # enter never confirms
        assert "enter does not run" in str(modal.query_one("#run-hint", Static).render())
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen_stack[-1] is screen
        assert not text_of(screen, "#rb-run")  # nothing ran

        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, RunConfirmModal), "the confirmation again")
        await pilot.press("y")
        await wait_until(pilot, lambda: "ran step 5 command" in text_of(screen, "#rb-run"), "the run shown")
        assert "exit 0" in text_of(screen, "#rb-run")
        assert "would roll back the last deploy of checkout:8080" in text_of(screen, "#rb-run")
        await wait_until(pilot, lambda: timeline(app, screen)[-1].kind == RUN_KIND, "the run logged")
        entry = timeline(app, screen)[-1]
        assert entry.data["exit_code"] == 0
        assert entry.data["output"] == ["would roll back the last deploy of checkout:8080"]


async def test_runbook_command_opens_the_app_on_the_runbook_and_r_on_its_incident_resumes(
    demo: DemoEnvironment, tmp_path: Path
) -> None:
    app = RunbookApp(
        demo.settings(), "TargetDown", demo=True, clock=demo.clock, database_path=tmp_path / "log.sqlite3"
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, RunbookScreen), "the runbook on top")
        screen = app.screen
        assert isinstance(screen, RunbookScreen)
        await wait_until(pilot, lambda: progress(screen).startswith("step 1 of 5"), "the runbook read")
        assert text_of(screen, "#rb-title").startswith("TargetDown  ·  incident opens on the first step")
        await wait_until(pilot, lambda: app.alert_feed.actions is not None, "the incident log open")
        await pilot.press("d")
        await wait_until(pilot, lambda: "1 done" in progress(screen), "done")
        assert screen.session is not None and screen.session.incident_id is not None
        incident_id = screen.session.incident_id
        entries = timeline(app, screen)
        assert entries[0].text == "opened: Runbook: TargetDown"

        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, AlertsScreen), "back to the alerts")
        await app.push_screen(screen_for_incident(app, incident_id))
        again = app.screen
        assert isinstance(again, RunbookScreen)
        await wait_until(pilot, lambda: progress(again).startswith("step 2 of 5 · 1 done"), "resumed")
        assert f"incident #{incident_id}" in text_of(again, "#rb-title")


async def test_r_on_the_incident_resumes_its_runbook(demo: DemoEnvironment, tmp_path: Path) -> None:
    async with runbook_of_first_alert(demo, tmp_path / "log.sqlite3") as (app, pilot, screen):
        await pilot.press("d")
        await wait_until(pilot, lambda: "1 done" in progress(screen), "done")
        assert screen.session is not None and screen.session.incident_id is not None
        incident_id = screen.session.incident_id
        await pilot.press("escape")
        await open_detail(pilot, incident_id)
        # The step is on the incident's timeline, as the detail screen draws it.
        assert any("runbook step 1 done: Meaning" in line for line in rendered_lines(app))
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, RunbookScreen), "the runbook again")
        again = app.screen
        assert isinstance(again, RunbookScreen)
        await wait_until(pilot, lambda: progress(again).startswith("step 2 of 6 · 1 done"), "resumed")
        assert text_of(again, "#rb-title") == f"CheckoutHighErrorRate  ·  incident #{incident_id}"

"""Walking through the demo: its incident cycle paused, resumed and restarted from `:demo` and the palette.

The demo's servers and the app share one clock (a DemoClock over the fixture's FakeClock); the tests move
the FakeClock as real time would pass and read what the screen shows.
"""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from oncall_tui.clock import FakeClock
from oncall_tui.demo import DemoEnvironment
from oncall_tui.ui.app import OncallApp
from tests.support.fake_backends import FakeBackends
from tests.support.screen_text import line_with, rendered_lines, screen_text
from tests.support.waiting import wait_until

RESOLVES_AFTER = 200.0
"""Seconds after the demo starts at which its critical alert (CheckoutHighErrorRate) resolves."""


def base_clock(demo: DemoEnvironment) -> FakeClock:
    """The fixture's FakeClock under the demo's clock: advancing it is real time passing."""
    base = demo.clock.base
    assert isinstance(base, FakeClock)
    return base


def toasted(app: OncallApp, text: str) -> bool:
    """A notification showing says ``text``."""
    return any(text in n.message for n in app._notifications)


def critical_row(app: OncallApp) -> str:
    """The queue's line of the critical alert ("" when it is not in the queue)."""
    line = line_with(app, "CheckoutHighErrorRate")
    return line if "CRIT" in line else ""


async def poll_after(app: OncallApp, pilot: Pilot[None]) -> None:
    """Poll now (ctrl+r, as the user would) and wait until the queue shows that poll."""
    generation = app.alerts.state.generation
    await pilot.press("ctrl+r")
    await wait_until(pilot, lambda: app.alerts.state.generation > generation, "a new poll")
    await pilot.pause()


async def command(pilot: Pilot[None], text: str) -> None:
    await pilot.press("colon", *text, "enter")


async def test_paused_the_critical_alert_stays_until_resumed_and_restart_brings_it_back(
    demo: DemoEnvironment, tmp_path: Path
) -> None:
    app = OncallApp(demo.settings(), demo=True, clock=demo.clock, database_path=tmp_path / "log.sqlite3")
    base = base_clock(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: critical_row(app), "the critical alert in the queue")
        header = rendered_lines(app)[0]
        assert " DEMO " in header and ":demo pause" in header, header
        first = critical_row(app)

        await command(pilot, "demo pause")
        await wait_until(pilot, lambda: "DEMO PAUSED" in rendered_lines(app)[0], "the header saying paused")
        header = rendered_lines(app)[0]
        # It still fits at 80 columns: screen title, context and clock all shown.
        assert ":demo resume" in header and " Alerts " in header and "ctx:demo" in header, header
        assert header.rstrip().endswith("UTC"), header
        await wait_until(pilot, lambda: toasted(app, "incident cycle paused"), "the toast")

        # Past the moment the critical alert would resolve: it is still there, the same to the second.
        base.advance(RESOLVES_AFTER + 60)
        await poll_after(app, pilot)
        assert critical_row(app) == first

        await command(pilot, "demo resume")
        await wait_until(pilot, lambda: ":demo pause" in rendered_lines(app)[0], "the header saying running")
        await wait_until(pilot, lambda: toasted(app, "incident cycle resumed"), "the toast")
        # The cycle runs on from where it stood: its resolve comes when its time does.
        base.advance(RESOLVES_AFTER)
        await poll_after(app, pilot)
        await wait_until(pilot, lambda: not critical_row(app), "the critical alert resolved")

        await command(pilot, "demo restart")
        await wait_until(pilot, lambda: critical_row(app), "the critical alert firing again")
        await wait_until(pilot, lambda: toasted(app, "incident cycle restarted"), "the toast")
        # Back at the start of the cycle: the row the demo opened with (ages, due, countdown), marked ★
        # as an alert that has just come back.
        again = critical_row(app)
        assert " ★ " in again and again.replace(" ★ ", "   ") == first, (first, again)


async def test_the_palette_pauses_and_offers_resume_once_paused(
    demo: DemoEnvironment, tmp_path: Path
) -> None:
    app = OncallApp(demo.settings(), demo=True, clock=demo.clock, database_path=tmp_path / "log.sqlite3")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: critical_row(app), "the critical alert in the queue")
        await pilot.press("ctrl+p", *"demo")
        await wait_until(pilot, lambda: "Demo: pause the incident cycle" in screen_text(app), "the palette")
        assert "Demo: restart the incident cycle" in screen_text(app)
        assert "Demo: resume" not in screen_text(app)
        await pilot.press("enter")
        await wait_until(pilot, lambda: "DEMO PAUSED" in rendered_lines(app)[0], "the header saying paused")
        assert demo.clock.paused
        await pilot.press("ctrl+p", *"demo")
        await wait_until(pilot, lambda: "Demo: resume" in screen_text(app), "resume in the palette")
        assert "Demo: pause the incident cycle" not in screen_text(app)


async def test_without_demo_there_is_no_demo_command(tmp_path: Path) -> None:
    backends = FakeBackends(FakeClock(real_sleep=True))
    app = OncallApp(
        backends.settings(),
        clock=backends.clock,
        source_set_factory=backends.source_set_factory(),
        database_path=tmp_path / "log.sqlite3",
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "ctx:prod-eu" in rendered_lines(app)[0], "the first screen")
        assert ":demo" not in rendered_lines(app)[0]
        await pilot.press("ctrl+p", *"demo")
        await wait_until(pilot, lambda: "No matches found" in screen_text(app), "the palette finding nothing")
        await pilot.pause()
        assert "Demo:" not in screen_text(app)
        await pilot.press("escape")
        await command(pilot, "demo pause")
        await wait_until(pilot, lambda: toasted(app, "unknown command 'demo'"), "the error")

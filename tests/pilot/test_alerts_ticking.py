"""Time passing on the Alerts screen, asserted on what the terminal shows (not on rebuilt cells).

The table caches rendered rows; a stale cache would leave ages and timers frozen after the
once-a-second tick while every helper that rebuilds cells still saw them move.
"""

from __future__ import annotations

from pathlib import Path

from oncall_tui.ui.app import OncallApp
from tests.support.alert_fakes import AlertBackends, minutes, polled, screen_of, until
from tests.support.screen_text import line_with, rendered_lines

SIZE = (100, 24)
SERVER1 = "Host_Down server1"


async def test_ages_timers_and_escalation_countdown_advance_on_screen_with_the_clock(tmp_path: Path) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        await until(pilot, lambda: "13m" in line_with(app, SERVER1), "server1 drawn")
        # Fired 13 min ago; investigate target missed by 8 min; next escalation level in 16 min.
        assert line_with(app, SERVER1).split() == [
            *("PROD", "Host_Down", "server1", "13m", "⚠-8m", "⇡16m→secondary")
        ]
        header = line_with(app, "ctx:prod-eu")
        assert "13:02:00 UTC" in header
        backends.fake_clock.advance(minutes(1).total_seconds())
        # No poll: only the app's once-a-second tick moves what is drawn.
        await until(pilot, lambda: "14m" in line_with(app, SERVER1), "server1's age after a minute")
        assert line_with(app, SERVER1).split() == [
            *("PROD", "Host_Down", "server1", "14m", "⚠-9m", "⇡15m→secondary")
        ]
        assert "13:03:00 UTC" in line_with(app, "ctx:prod-eu")
        assert app.alert_feed.state.generation == 1


async def test_a_screen_hidden_during_polls_shows_the_latest_poll_when_it_comes_back(tmp_path: Path) -> None:
    backends = AlertBackends()
    # No incident log (its directory is a file): no after-poll work publishes a later state that
    # would redraw the screen anyway; only the redraw on showing it again can.
    (tmp_path / "not-a-dir").write_text("")
    app = OncallApp(
        backends.settings(),
        clock=backends.clock,
        source_set_factory=backends.source_set_factory(),
        database_path=tmp_path / "not-a-dir" / "incidents.sqlite3",
    )
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        await until(pilot, lambda: SERVER1 in line_with(app, SERVER1), "server1 drawn")
        await pilot.press("S")
        await until(pilot, lambda: line_with(app, "Sources") != "", "sources shown")
        # server1 resolves while the Alerts screen is hidden.
        for group in backends.groups:
            group["alerts"] = [a for a in group["alerts"] if a["labels"].get("instance") != "server1"]
        generation = app.alert_feed.state.generation
        app.alert_feed.wake()
        await until(pilot, lambda: app.alert_feed.state.generation > generation, "a poll while hidden")
        await pilot.press("A")
        await until(
            pilot,
            lambda: screen_of(app).is_current and "Host_Down server2" in line_with(app, "server2"),
            "alerts back",
        )
        # Gone from the queue; only the list of resolved alerts under it still names it.
        assert [line.strip() for line in rendered_lines(app) if SERVER1 in line] == [
            "✔ Host_Down server1 · resolved 0s ago (13:02)"
        ]

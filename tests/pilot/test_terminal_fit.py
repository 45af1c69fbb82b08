"""80x24: every screen's footer still shows `?` (help) and `q`; the Status column shows its key facts."""

from __future__ import annotations

from oncall_tui.demo import DemoEnvironment
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screen_registry import SCREENS
from oncall_tui.ui.screens.trace import TraceScreen
from tests.pilot.test_app_shell import wait_for_polls
from tests.support.fake_jaeger import fixture_trace
from tests.support.waiting import wait_until


def lines(app: OncallApp) -> list[str]:
    """The screen as the terminal shows it, line by line."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def footer(app: OncallApp) -> str:
    shown = lines(app)
    return shown[-1] if shown else ""  # nothing composed yet


async def test_every_screen_at_80x24_shows_help_and_quit_in_the_footer(demo: DemoEnvironment) -> None:
    app = OncallApp(demo.settings(), demo=True, clock=demo.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_polls(app, pilot, {"prometheus", "alertmanager", "jaeger"})
        seen: dict[str, str] = {}
        for entry in SCREENS:  # every top-level screen, opened by its `:` command
            await pilot.press("colon", *entry.id, "enter")
            title = f" {entry.title} "
            await wait_until(pilot, lambda: title in lines(app)[0], f"{entry.title} screen")  # noqa: B023
            # The footer follows focus, which settles after the screen's first frame (on a loaded
            # machine visibly later): wait for the screen's own footer, then read it.
            await wait_until(pilot, lambda: "? Help" in footer(app), f"? Help in the {entry.title} footer")  # noqa: B023
            seen[entry.title] = footer(app)
        await pilot.press("colon", *"alerts", "enter", "r")  # the highlighted alert's runbook
        await wait_until(pilot, lambda: " Runbook " in lines(app)[0], "runbook")
        await wait_until(pilot, lambda: "? Help" in footer(app), "? Help in the Runbook footer")
        seen["Runbook"] = footer(app)
        app.push_screen(TraceScreen(traces=[fixture_trace("jaeger-ui-testTrace")], source_name="test"))
        await wait_until(pilot, lambda: isinstance(app.screen, TraceScreen), "waterfall")
        await wait_until(pilot, lambda: "? Help" in footer(app), "? Help in the Trace footer")
        seen["Trace"] = footer(app)
        for name, text in seen.items():
            assert "? Help" in text, f"{name}: {text!r}"
            assert "q Quit" in text, f"{name}: {text!r}"
        # The screen's own most important keys come first, and so stay.
        assert "a Ack" in seen["Alerts"] and "e Escalate" in seen["Alerts"], seen["Alerts"]
        assert "x Expire" in seen["Silences"], seen["Silences"]
        assert "d Done" in seen["Runbook"], seen["Runbook"]


async def test_the_escalation_countdown_and_its_target_fit_the_status_column_at_80(
    demo: DemoEnvironment,
) -> None:
    app = OncallApp(demo.settings(), demo=True, clock=demo.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: any("⇡" in line for line in lines(app)), "a countdown")
        row = next(line for line in lines(app) if "⇡" in line)
        status = row[row.index("⇡") :].rstrip()
        # Time and the whole level name, not cut.
        assert "→" in status and not status.endswith("…"), status
        assert status.split("→")[1] in {"secondary on-call", "engineering manager", "primary on-call"}, status

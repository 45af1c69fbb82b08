"""Trace search from an alert at 80x24: the window is shown whole, follows now unless pinned, and empty
fields show dim hints rather than values (issue 8, item 11). Jaeger is the recorded FakeJaeger."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from rich.segment import Segment

from oncall_tui.clock import FakeClock
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.trace_search import TraceSearchScreen
from tests.support.fake_jaeger import FakeJaeger
from tests.support.screen_text import rendered_lines
from tests.support.waiting import wait_until

SIZE = (80, 24)


def brightness(segment: Segment) -> float:
    """Perceived brightness of a segment's text colour (0 black … 255 white)."""
    assert segment.style is not None and segment.style.color is not None
    red, green, blue = segment.style.color.get_truecolor()
    return 0.299 * red + 0.587 * green + 0.114 * blue


def searched_until(fake: FakeJaeger) -> list[str]:
    """The end of the window of every search sent, in order."""
    ends = []
    for request in fake.requests:
        if request.startswith("/api/v3/trace-summaries"):
            query = parse_qs(urlsplit(request).query)
            ends.append(query["query.start_time_max"][0])
    return ends


async def test_a_window_from_an_alert_is_shown_whole_and_follows_now_until_pinned() -> None:
    clock = FakeClock(real_sleep=True)
    fake = FakeJaeger(clock)
    app = OncallApp(fake.settings(), clock=clock, source_set_factory=fake.source_set_factory())
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(app.screen_stack) > 1 and app.screen.is_mounted, "startup")
        # What the Alerts screen's T does: 15 min before the alert fired, no end.
        app.open_trace_search("frontend", datetime(2026, 1, 1, 2, 40, tzinfo=UTC), None)
        await wait_until(pilot, lambda: isinstance(app.screen, TraceSearchScreen), "the search screen")
        screen = app.screen
        assert isinstance(screen, TraceSearchScreen)
        await wait_until(pilot, lambda: screen.results.row_count == 2, "results")
        row = next(line for line in rendered_lines(app) if "Window" in line)
        assert row.split()[:4] == ["Window", "02:40..", "→", "now"], row
        assert "frontend 02:40–03:00" in "\n".join(rendered_lines(app))
        first = searched_until(fake)
        # Ten minutes on, the same search ends at the new now.
        clock.advance(600)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: len(searched_until(fake)) == len(first) + 1, "the second search")
        assert "frontend 02:40–03:10" in "\n".join(rendered_lines(app))
        # Typing an end pins it: the label says so, and later searches keep that end.
        screen.query_one("#window").focus()
        await pilot.press("end", *"02:55")
        await pilot.pause()
        row = next(line for line in rendered_lines(app) if "Window" in line)
        assert "02:40..02:55" in row and "pinned" in row, row
        clock.advance(600)
        await pilot.press("enter")
        await wait_until(pilot, lambda: "02:40–02:55" in "\n".join(rendered_lines(app)), "the pinned search")


async def test_empty_fields_show_dim_italic_hints_not_values() -> None:
    fake = FakeJaeger(FakeClock(real_sleep=True))
    app = OncallApp(fake.settings(), clock=fake.clock, source_set_factory=fake.source_set_factory())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await wait_until(pilot, lambda: isinstance(app.screen, TraceSearchScreen), "the search screen")
        await pilot.pause()
        update = app.screen._compositor.render_full_update()
        segments: list[Segment] = [seg for line in update.strips for strip in line for seg in strip]
        # A value the form starts with (the limit) is plain text.
        limit = next(s for s in segments if s.text.strip() == "20")
        assert limit.style is not None and not limit.style.italic
        for hint in ("any (e.g. error=true)", "any"):
            shown = [s for s in segments if s.text.strip() == hint]
            assert shown, hint
            # Italic, and fainter than a value typed in the same kind of field.
            assert all(s.style is not None and s.style.italic for s in shown), shown
            assert all(brightness(s) < brightness(limit) * 0.6 for s in shown), (shown, limit)

"""Trace search at 80x24, keyboard only: form → results → waterfall, sorting, errors, palette, prefill.

Jaeger is :class:`tests.support.fake_jaeger.FakeJaeger`: API v3 over ``httpx.MockTransport``
serving the recorded fixture traces, so the app's real JaegerClient and parser are exercised.
"frontend" has spans in two fixture traces: HotROD (40 spans, 1.12 s, 3 errors) and the OTel demo
(26 spans, 15.1 s, 1 error).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from oncall_tui.clock import FakeClock
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.commands import trace_id_in
from oncall_tui.ui.screens.trace import TraceScreen
from oncall_tui.ui.screens.trace_search import (
    FormError,
    TraceSearchScreen,
    format_window,
    parse_duration,
    parse_tags,
    parse_window,
)
from tests.support.fake_jaeger import FakeJaeger
from tests.support.screen_text import rendered_lines
from tests.support.waiting import wait_until

SIZE = (80, 24)
HOTROD = "fe65c5beefbe4e96119efbba3da07e99"
OTEL_DEMO = "3e241b731fcf87976a3d50f5a7cc4d94"


def make_app(fake: FakeJaeger) -> OncallApp:
    return OncallApp(fake.settings(), clock=fake.clock, source_set_factory=fake.source_set_factory())


async def open_search(pilot: Pilot[Any]) -> TraceSearchScreen:
    app = pilot.app
    await pilot.press("T")
    await wait_until(pilot, lambda: isinstance(app.screen, TraceSearchScreen), "the search screen")
    screen = app.screen
    assert isinstance(screen, TraceSearchScreen)
    await wait_until(pilot, lambda: len(screen.service_select._options) > 1, "the service list")
    return screen


def status(screen: TraceSearchScreen) -> str:
    return str(screen.status_line.render())


async def test_search_form_results_and_open_a_waterfall() -> None:
    fake = FakeJaeger(FakeClock(real_sleep=True))
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_search(pilot)
        assert screen.service_select.has_focus
        # Keyboard only: open the service list, type to find "frontend", pick it, search.
        await pilot.press("enter", *"frontend", "enter")
        assert screen.service_select.value == "frontend"
        await wait_until(pilot, lambda: len(screen.operation_select._options) > 1, "operations")
        await pilot.press("ctrl+r")
        results = screen.results
        await wait_until(pilot, lambda: results.row_count == 2, "two results")
        assert results.has_focus
        assert "2 traces for frontend 02:00–03:00 · 2 with errors" in status(screen)
        assert any("/api/v3/trace-summaries" in r for r in fake.requests)
        # Sorted by start time, newest first; u sorts by duration (longest first), again reverses.
        await pilot.press("u")
        assert [s.trace_id for s in results.summaries] == [OTEL_DEMO, HOTROD]
        await pilot.press("u")
        assert [s.trace_id for s in results.summaries] == [HOTROD, OTEL_DEMO]
        await pilot.press("s")
        assert [s.span_count for s in results.summaries] == [40, 26]
        await pilot.press("e")
        assert [s.error_count for s in results.summaries] == [3, 1]
        row = [str(c) for c in results.get_row_at(0)]
        assert row[1] == "frontend: GET /dispatch" and row[2].strip() == "1.12s" and row[3].strip() == "40"
        assert HOTROD in str(screen.query_one("#result-detail").render())
        # enter opens the highlighted trace's waterfall, fetched by id.
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, TraceScreen) and app.screen.analysis is not None,
            "waterfall",
        )
        trace_screen = app.screen
        assert isinstance(trace_screen, TraceScreen)
        assert trace_screen.analysis is not None and trace_screen.analysis.span_count == 40
        assert any(r.startswith(f"/api/v3/traces/{HOTROD}") for r in fake.requests)
        # escape goes back to the results, cursor where it was.
        await pilot.press("escape")
        assert app.screen is screen and results.current_trace_id == HOTROD
        # Leaving the search and coming back (T) keeps the form and the results.
        await pilot.press("escape")
        assert not isinstance(app.screen, TraceSearchScreen)
        await pilot.press("T")
        assert app.screen is screen and results.row_count == 2
        assert screen.service_select.value == "frontend"


async def test_bad_form_input_is_named_and_focused() -> None:
    fake = FakeJaeger(FakeClock(real_sleep=True))
    async with make_app(fake).run_test(size=SIZE) as pilot:
        screen = await open_search(pilot)
        await pilot.press("ctrl+r")
        assert "choose a service first" in status(screen)
        screen.service_select.value = "frontend"
        screen.query_one("#min-duration", Input).value = "fast"
        await pilot.press("ctrl+r")
        assert "min-duration: expected a duration" in status(screen)
        assert screen.query_one("#min-duration", Input).has_focus
        await pilot.press("ctrl+u", *"10ms", "tab", *"5ms", "enter")
        assert "max duration is below min duration" in status(screen)
        screen.query_one("#max-duration", Input).value = ""
        screen.query_one("#tags", Input).value = "http.status_code"
        await pilot.press("ctrl+r")
        assert "tags: expected key=value" in status(screen)


async def test_jaeger_down_is_reported_inline_and_nothing_crashes() -> None:
    fake = FakeJaeger(FakeClock(real_sleep=True))
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_search(pilot)
        screen.service_select.value = "frontend"
        fake.broken = True
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: "refused" in status(screen), "the failure")
        assert screen.status_line.has_class("-error")
        assert app.screen is screen
        fake.broken = False
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: screen.results.row_count == 2, "recovery")


async def test_trace_id_typed_into_the_palette_opens_the_trace() -> None:
    fake = FakeJaeger(FakeClock(real_sleep=True))
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*HOTROD.upper())
        await wait_until(pilot, lambda: "Open trace" in "\n".join(rendered_lines(app)), "the palette hit")
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, TraceScreen) and app.screen.analysis is not None,
            "waterfall",
        )
        assert app.screen.analysis.trace.trace_id == HOTROD  # type: ignore[attr-defined]


async def test_unknown_trace_id_shows_a_clear_message() -> None:
    fake = FakeJaeger(FakeClock(real_sleep=True))
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        app.open_trace("00000000deadbeef")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, TraceScreen)
            and app.screen.has_class("-message")
            and "not found" in str(app.screen.query_one("#trace-message").render()),
            "the not-found message",
        )
        await pilot.press("escape")
        assert not isinstance(app.screen, TraceScreen)


async def test_open_trace_search_prefills_and_runs_the_search() -> None:
    fake = FakeJaeger(FakeClock(real_sleep=True))
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(app.screen_stack) > 1 and app.screen.is_mounted, "startup")
        start = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
        end = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
        app.open_trace_search("frontend", start, end)
        await wait_until(pilot, lambda: isinstance(app.screen, TraceSearchScreen), "the search screen")
        screen = app.screen
        assert isinstance(screen, TraceSearchScreen)
        await wait_until(pilot, lambda: screen.results.row_count == 2, "results")
        assert screen.query_one("#window", Input).value == "02:00..03:00"
        search = next(r for r in fake.requests if r.startswith("/api/v3/trace-summaries"))
        assert "query.serviceName=frontend" in search and "2026-01-01T02%3A00%3A00" in search
        # Called again while the search is open (another alert): the form is re-filled and re-run.
        count = len(fake.requests)
        app.open_trace_search("customer", None, None)
        await wait_until(pilot, lambda: screen.results.row_count == 1, "the new results")
        assert screen.service_select.value == "customer" and app.screen is screen
        assert any("query.serviceName=customer" in r for r in fake.requests[count:])


def test_form_parsing_of_windows_durations_and_tags() -> None:
    now = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
    assert parse_window("30m", now) == (datetime(2026, 1, 1, 2, 30, tzinfo=UTC), now)
    assert parse_window("", now) == (datetime(2026, 1, 1, 2, 0, tzinfo=UTC), now)
    assert parse_window("2026-01-01T01:00Z..2026-01-01T01:30Z", now) == (
        datetime(2026, 1, 1, 1, 0, tzinfo=UTC),
        datetime(2026, 1, 1, 1, 30, tzinfo=UTC),
    )
    # As the form shows an alert's window: the end on the start's day, as HH:MM; the form's own text
    # parses back to the same window.
    start, end = parse_window("2026-01-01T01:00..01:30", now)
    assert end - start == timedelta(minutes=30)
    assert parse_window(format_window(start, end), now) == (start, end)
    with pytest.raises(FormError, match="end is not after the start"):
        parse_window("2026-01-01T02:00Z..2026-01-01T01:00Z", now)
    with pytest.raises(FormError, match="expected a duration"):
        parse_window("yesterday", now)
    assert parse_duration("1.5s", "min-duration") == timedelta(milliseconds=1500)
    assert parse_duration("250us", "min-duration") == timedelta(microseconds=250)
    assert parse_duration(" ", "min-duration") is None
    assert parse_tags('http.status_code=503 error=true note="a b"') == {
        "http.status_code": "503",
        "error": "true",
        "note": "a b",
    }
    with pytest.raises(FormError, match="expected key=value"):
        parse_tags("justakey")


def test_palette_recognises_trace_ids() -> None:
    assert trace_id_in(f"  {HOTROD.upper()} ") == HOTROD
    assert trace_id_in(f"trace {HOTROD} span 1234") == HOTROD  # as copied with y in the waterfall
    assert trace_id_in("deadbeef") == "deadbeef"
    assert trace_id_in("traces") is None and trace_id_in("open 1234abcd now") is None
    assert trace_id_in("1234567") is None  # too short to be an id
    # Screens show ids shortened; as prefixes they are resolved against the traces the app has seen.
    assert trace_id_in("trace 83a9efd15c1c", prefix=True) == "83a9efd15c1c"
    assert trace_id_in("83a9e", prefix=True) is None

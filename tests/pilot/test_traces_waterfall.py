"""The trace waterfall at 80x24, keyboard only: folding, critical-path and search jumps, detail pane.

Traces come from the recorded Jaeger UI test trace (``jaeger-ui-testTrace.json``: 11 spans, one
error span, one FOLLOWS_FROM child) and friends, opened the way ``oncall-tui trace FILE`` opens them.
Its rows, fully expanded (row: span, depth)::

    0 span-1 service1 op1 (root)          6 span-6 service1 op4
    1 span-2 service1 op2 (error)         7 span-7 service2 op3 (FOLLOWS_FROM span-6)
    2 span-3 service1 op3                 8 span-12 service1 op6
    3 span-4 service2 op1                 9 span-13 service1 op7
    4 span-5 service2 op2                10 span-14 service1 op7 (not on the critical path)
    5 span-2_1 service1 op2
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.color import Color
from textual.pilot import Pilot

from oncall_tui.clock import FakeClock
from oncall_tui.models.jaeger import Trace
from oncall_tui.ui.screens.trace import TraceScreen
from oncall_tui.ui.trace_file_app import TraceFileApp
from tests.support.fake_jaeger import fixture_trace
from tests.support.waiting import wait_until

SIZE = (80, 24)


def make_app(*names: str) -> TraceFileApp:
    traces: list[Trace] = [fixture_trace(n) for n in names]
    return TraceFileApp(traces, source_name="test.json", clock=FakeClock(real_sleep=True))


async def open_trace(pilot: Pilot[Any]) -> TraceScreen:
    app = pilot.app
    await wait_until(
        pilot, lambda: isinstance(app.screen, TraceScreen) and app.screen.analysis is not None, "trace"
    )
    screen = app.screen
    assert isinstance(screen, TraceScreen)
    await pilot.pause()
    return screen


def span_id(screen: TraceScreen) -> str:
    node = screen.waterfall.cursor_node
    assert screen.analysis is not None and node is not None
    return screen.analysis.trace.span_ids[node]


def screen_text(screen: TraceScreen) -> str:
    """The waterfall rows as plain text, as the user sees them."""
    waterfall = screen.waterfall
    return "\n".join(waterfall.render_line(y).text for y in range(waterfall.scrollable_content_region.height))


def status(screen: TraceScreen) -> str:
    return str(screen.status_line.render())


async def test_collapse_expand_and_depth_keys() -> None:
    async with make_app("jaeger-ui-testTrace").run_test(size=SIZE) as pilot:
        screen = await open_trace(pilot)
        view = screen.waterfall.view
        assert view is not None and len(view) == 11
        await pilot.press("down", "down")
        assert span_id(screen) == "span-3"
        await pilot.press("space")
        view = screen.waterfall.view
        assert view is not None and len(view) == 9
        # The collapsed row says how much it hides; the cursor stays on it.
        assert "op3 +2" in screen_text(screen)
        assert span_id(screen) == "span-3"
        await pilot.press("space")
        assert len(screen.waterfall.view or ()) == 11
        # left collapses, left again goes to the parent; right expands.
        await pilot.press("left")
        assert len(screen.waterfall.view or ()) == 9 and span_id(screen) == "span-3"
        await pilot.press("left")
        assert span_id(screen) == "span-1"
        await pilot.press("down", "down", "right")
        assert len(screen.waterfall.view or ()) == 11 and span_id(screen) == "span-3"
        # 1 = only depth 1 (the root) visible; the cursor falls back to the visible ancestor.
        await pilot.press("down", "down")
        assert span_id(screen) == "span-5"
        await pilot.press("1")
        assert len(screen.waterfall.view or ()) == 1 and span_id(screen) == "span-1"
        await pilot.press("2")
        assert len(screen.waterfall.view or ()) == 6
        await pilot.press("0")
        assert len(screen.waterfall.view or ()) == 11


async def test_n_follows_the_critical_path_and_p_goes_to_the_parent() -> None:
    async with make_app("jaeger-ui-testTrace").run_test(size=SIZE) as pilot:
        screen = await open_trace(pilot)
        # Critical-path marks in the gutter: every row but the FOLLOWS_FROM child and span-14.
        lines = screen_text(screen).splitlines()
        assert [line.startswith("┃") for line in lines[:11]] == [True] * 7 + [False, True, True, False]
        visited = []
        for _ in range(8):
            await pilot.press("n")
            visited.append(span_id(screen))
        assert visited == ["span-2", "span-3", "span-4", "span-5", "span-2_1", "span-6", "span-12", "span-13"]
        assert "critical path: span 9 of 9" in status(screen)
        await pilot.press("n")  # wraps to the root
        assert span_id(screen) == "span-1"
        await pilot.press("N")  # and backwards
        assert span_id(screen) == "span-13"
        await pilot.press("p")
        assert span_id(screen) == "span-12"
        await pilot.press("p", "p")
        assert span_id(screen) == "span-1"
        assert "no parent" in status(screen)


async def test_search_highlights_matches_and_takes_over_n_until_cleared() -> None:
    async with make_app("jaeger-ui-testTrace").run_test(size=SIZE) as pilot:
        screen = await open_trace(pilot)
        # Hide one match under a collapsed span: jumping to it must reveal it.
        await pilot.press("down", "down", "space")
        await pilot.press("slash")
        assert screen.find_input.has_focus
        await pilot.press(*"service2", "enter")
        await wait_until(pilot, lambda: bool(screen.search_nodes), "search results")
        assert screen.waterfall.has_focus
        matches = [screen.analysis.trace.span_ids[v] for v in screen.search_nodes]  # type: ignore[union-attr]
        assert matches == ["span-4", "span-5", "span-7"]
        assert span_id(screen) == "span-4"  # first match after the cursor, revealed
        assert "match 1 of 3" in status(screen)
        await pilot.press("n")
        assert span_id(screen) == "span-5"
        await pilot.press("n")
        assert span_id(screen) == "span-7"
        await pilot.press("n")
        assert span_id(screen) == "span-4"
        await pilot.press("N")
        assert span_id(screen) == "span-7"
        # A tag search: key=value.
        await pilot.press("slash", "ctrl+u", *"error=true", "enter")
        await wait_until(pilot, lambda: screen.search_query == "error=true", "tag search")
        assert span_id(screen) == "span-2"
        # Escape clears the search; n is the critical path again.
        await pilot.press("escape")
        assert screen.search_query == "" and not screen.waterfall.matches
        await pilot.press("n")
        assert span_id(screen) == "span-3"
        # A search with no match says so.
        await pilot.press("slash", "ctrl+u", *"nosuchthing", "enter")
        await wait_until(pilot, lambda: screen.search_query == "nosuchthing", "empty search")
        assert "no span matches 'nosuchthing'" in status(screen)


async def test_detail_pane_follows_the_cursor_and_keeps_the_waterfall_usable() -> None:
    async with make_app("jaeger-ui-testTrace").run_test(size=SIZE) as pilot:
        screen = await open_trace(pilot)
        await pilot.press("down")  # span-2, the error span
        await pilot.press("enter")
        assert screen.detail_visible
        await pilot.pause()
        text = screen.detail_pane.plain_text()
        assert "service1" in text and "op2" in text and "error" in text and "true" in text
        assert "self" in text and "CHILD_OF" in text and "span-1" in text
        # At 80x24 the waterfall keeps at least 8 rows beside the pane.
        assert screen.waterfall.scrollable_content_region.height >= 8
        await pilot.press("down", "down", "down", "down", "down", "down")  # span-7, FOLLOWS_FROM span-6
        await pilot.pause()
        assert span_id(screen) == "span-7"
        text = screen.detail_pane.plain_text()
        assert "FOLLOWS_FROM" in text and "span-6" in text and "consumer" in text
        await pilot.press("escape")
        assert not screen.detail_visible


async def test_orphans_skew_and_follows_from_are_marked() -> None:
    async with make_app("jaeger-otlp2jaeger-in").run_test(size=SIZE) as pilot:
        screen = await open_trace(pilot)
        first = screen_text(screen).splitlines()[0]
        assert "? missing parent" in first
        info = str(screen.query_one("#trace-info").render())
        assert "2 orphans" in info and "1 dup ids" in info
    async with make_app("jaeger-pr9263-otel-demo-error_timeout_masked").run_test(size=SIZE) as pilot:
        screen = await open_trace(pilot)
        assert "≈ 4 skewed" in str(screen.query_one("#trace-info").render())
        view = screen.waterfall.view
        assert view is not None
        skewed = next(
            r for r in range(len(view)) if view.row(r).starts_before_parent or view.row(r).ends_after_parent
        )
        screen.waterfall.go_to_row(skewed)
        await pilot.press("d")
        await pilot.pause()
        assert "clock skew" in screen.detail_pane.plain_text()
    async with make_app("jaeger-ui-testTrace").run_test(size=SIZE) as pilot:
        screen = await open_trace(pilot)
        lines = screen_text(screen).splitlines()
        assert "↷ service2 op3" in lines[7] and "╌" in lines[7]
        assert "✖ service1 op2" in lines[1]


async def test_several_traces_in_one_file_switch_with_brackets() -> None:
    async with make_app("jaeger-ui-testTrace", "jaeger-ui-testTraceNormal").run_test(size=SIZE) as pilot:
        screen = await open_trace(pilot)
        assert "trace 1 of 2" in status(screen)
        await pilot.press("right_square_bracket")
        await wait_until(
            pilot, lambda: screen.analysis is not None and screen.trace_index == 1, "second trace"
        )
        assert screen.analysis is not None and screen.analysis.span_count == 5


async def test_a_bad_file_is_reported_and_the_app_carries_on(tmp_path: Path) -> None:
    bad = tmp_path / "not-a-trace.json"
    bad.write_text('{"hello": "world"}')
    empty = tmp_path / "empty.json"
    empty.write_text('{"data": [{"traceID": "abc", "spans": [], "processes": {}}]}')
    app = make_app("jaeger-ui-testTrace")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_trace(pilot)
        app.open_trace_file(bad)
        app.open_trace_file(empty)
        await pilot.pause()
        assert app.screen is screen
        messages = [n.message for n in app._notifications]
        assert any("not a trace" in m for m in messages)
        assert any("has no spans" in m for m in messages)
        await pilot.press("down")
        assert span_id(screen) == "span-2"


async def test_colours_follow_the_theme() -> None:
    app = make_app("jaeger-ui-testTrace")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_trace(pilot)
        for theme in ("dark", "high-contrast", "colorblind-safe"):
            app.theme = theme
            await pilot.pause()
            await pilot.pause()
            palette = screen.waterfall.palette
            variables = app.theme_variables
            assert palette.critical_colour == Color.parse(variables["critical-path"])
            assert palette.error.color is not None
            assert palette.error.color.triplet == Color.parse(variables["span-error"]).rich_color.triplet
            # Services never take the error or critical-path colour.
            assert Color.parse(variables["critical-path"]) not in palette.services
            assert Color.parse(variables["span-error"]) not in palette.services
            # Services take the theme's own colours first (high-contrast's primary is too close to
            # its critical-path colour, so it starts with the secondary).
            first = "secondary" if theme == "high-contrast" else "primary"
            assert palette.services[0] == Color.parse(variables[first])


async def test_zoom_the_timeline_to_a_span_and_back() -> None:
    async with make_app("jaeger-ui-testTrace").run_test(size=SIZE) as pilot:
        screen = await open_trace(pilot)
        await pilot.press("down", "down")  # span-3: +180ms for 66ms
        await pilot.press("z")
        analysis = screen.analysis
        assert analysis is not None
        start = analysis.trace.starts[3]
        assert screen.waterfall.zoom == (start, start + 66_000)
        lines = screen_text(screen).splitlines()
        # span-3 now fills the timeline; span-2 (before it) and span-12 (after it) are off-window arrows.
        assert "66.0ms" in lines[2]
        assert "◂" in lines[1]
        assert lines[8].rstrip().endswith("▸")
        ruler = screen.query_one("#trace-ruler")
        assert "+180ms" in ruler.render_line(0).text and "246ms" in ruler.render_line(0).text
        assert "zoomed" in status(screen)
        await pilot.press("Z")
        assert screen.waterfall.zoom is None
        await pilot.press("z", "escape")
        assert screen.waterfall.zoom is None
        await pilot.press("z", "z")  # the same span again zooms out
        assert screen.waterfall.zoom is None


async def test_detail_lists_logs_in_time_order_with_offsets_and_the_process() -> None:
    async with make_app("jaeger-pr9263-hotrod-n_plus_one_full_serial").run_test(size=SIZE) as pilot:
        screen = await open_trace(pilot)
        # Span 0 is driver.DriverService/FindNearest (server side), with five events.
        assert screen.waterfall.go_to_node(0)
        await pilot.press("d")
        await pilot.pause()
        text = screen.detail_pane.plain_text(width=200)
        assert "Logs / events (5)" in text
        first = text.index("+32µs event=Searching for nearby drivers")
        retry = text.index("+66.8ms event=Retrying GetDriver after error")
        assert first < retry
        assert "Process / resource (6)" in text and "service.name" in text and "driver" in text
        assert "rpc.method" in text and "CHILD_OF" in text


async def test_y_copies_the_trace_and_span_ids() -> None:
    app = make_app("jaeger-ui-testTrace")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_trace(pilot)
        await pilot.press("down", "y")
        assert app.clipboard == "trace trace-123 span span-2 (service1 op2)"
        assert "copied" in status(screen)

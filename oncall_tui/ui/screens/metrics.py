"""Metrics: dashboards of live sparkline panels, `[`/`]` to switch, `v` for variables, `enter` to drill down.

The screen follows a headless :class:`~oncall_tui.services.metrics_feed.MetricsFeed` ``while_shown``:
the feed loads the context's catalog when the screen first shows, polls the shown dashboard only while
the screen is visible, and each new panel goes to the grid, which repaints only what changed.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import Static

from oncall_tui.config import locations
from oncall_tui.domain.durations import format_duration
from oncall_tui.services.metrics_feed import MetricsFeed, MetricsState
from oncall_tui.ui.bindings import METRICS_BINDINGS
from oncall_tui.ui.feed_adapter import LiveFeed
from oncall_tui.ui.screens.base import OncallScreen
from oncall_tui.ui.screens.metrics_pickers import ChoiceModal
from oncall_tui.ui.widgets.panel_grid import PanelGrid, panels_per_screen, sparkline_columns


class DashboardBar(Static):
    """One line: the dashboard's name and title, its variables, its window; or why there is nothing."""

    DEFAULT_CSS = """
    DashboardBar { height: 1; background: $panel; color: $foreground; }
    """

    _shown: Text | None = None

    def show(self, state: MetricsState) -> None:
        """Describe ``state`` (nothing is redrawn when the line reads the same)."""
        text = self._describe(state)
        if text != self._shown:
            self._shown = text
            self.update(text)

    def _describe(self, state: MetricsState) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        entry = state.entry
        if entry is None:
            text.append(f" {state.error or 'discovering dashboards…'}", style="bold")
            return text
        names = [e.name for e in state.catalog.entries] if state.catalog else []
        position = f"{names.index(entry.name) + 1}/{len(names)}" if entry.name in names else ""
        text.append(f" [{entry.name}] ", style="bold reverse")
        text.append(f" {entry.dashboard.title} ", style="bold")
        text.append(f"{position} · {entry.origin} · {format_duration(entry.dashboard.window)} ", style="dim")
        for name, value in state.choices.items():
            text.append(f"  ${name}=", style="dim")
            text.append(value, style="bold")
        if state.down:
            text.append(f"  ⚠ {state.down}", style="bold")
        return text


class MetricsScreen(OncallScreen):
    """A grid of panels for one dashboard at a time."""

    TITLE_TEXT: ClassVar[str] = "Metrics"
    BINDINGS: ClassVar[list[BindingType]] = METRICS_BINDINGS

    def __init__(self, dashboard: str | None = None) -> None:
        super().__init__()
        self._prefer = dashboard
        self.live: LiveFeed[MetricsState] | None = None
        """The screen's feed as the app runs it (created on mount)."""
        self._shown: tuple[str | None, int] = (None, -1)

    @property
    def feed(self) -> MetricsFeed | None:
        """The headless feed behind the screen."""
        if self.live is None:
            return None
        feed = self.live.feed
        assert isinstance(feed, MetricsFeed)
        return feed

    @property
    def grid(self) -> PanelGrid:
        return self.query_one(PanelGrid)

    @property
    def bar(self) -> DashboardBar:
        return self.query_one(DashboardBar)

    def compose_body(self) -> ComposeResult:
        yield DashboardBar()
        yield PanelGrid()

    def on_mount(self) -> None:
        super().on_mount()
        if self.live is None:
            app = self.oncall_app
            feed = MetricsFeed(
                app.clock,
                locations.dashboards_dir(),
                columns=sparkline_columns(self.size.width),
                prefer=self._prefer,
            )
            # The grid is the screen less its four frame lines; it says exactly once it is laid out.
            feed.first_screen = panels_per_screen(self.size.width, max(1, self.size.height - 4))
            self.live = LiveFeed(self.app, feed)
        # Polls only while this screen shows: started on show (and context switch), stopped on hide.
        self.follow(self.live, self._render_state, while_shown=True)
        self.grid.focus()

    # --- rendering ---------------------------------------------------------------------------

    def _render_state(self, state: MetricsState) -> None:
        self.bar.show(state)
        entry = state.entry
        shown = (entry.name if entry else None, id(entry.dashboard) if entry else -1)
        grid = self.grid
        if shown != self._shown:
            self._shown = shown
            grid.set_titles([p.title for p in entry.dashboard.panels] if entry else [])
        if len(grid.slots) != len(state.panels):
            return
        for index, data in enumerate(state.panels):
            if data is not None:
                grid.set_panel(index, data)

    def on_panel_grid_scrolled(self, event: PanelGrid.Scrolled) -> None:
        # Panels scrolled out of view are not fetched; they keep their last data until they return.
        if self.feed is not None:
            self.feed.set_visible(event.visible)

    def on_panel_grid_resized(self, event: PanelGrid.Resized) -> None:
        if self.feed is not None:
            self.feed.first_screen = event.per_screen
            self.feed.set_columns(event.columns)

    def on_panel_grid_opened(self, event: PanelGrid.Opened) -> None:
        feed = self.feed
        entry = feed.state.entry if feed is not None else None
        if feed is None or entry is None:
            return
        from oncall_tui.ui.screens.drilldown import DrillDownScreen

        # The chart fetches at full resolution over its own range: the sparkline's data is not reused.
        panel = entry.dashboard.panels[event.index]
        self.app.push_screen(DrillDownScreen.for_panel(panel, entry.dashboard, feed.state.choices))

    # --- actions -----------------------------------------------------------------------------

    async def action_refresh_metrics(self) -> None:
        # The app's refresh wakes the sources and alerts; this screen's panels come along.
        if self.feed is not None:
            self.feed.wake()
        await self.app.run_action("app.refresh_now")

    def action_step_dashboard(self, delta: int) -> None:
        if self.feed is None:
            return
        name = self.feed.step_dashboard(delta)
        if name is not None:
            self.feed.show(name)

    def action_pick_dashboard(self) -> None:
        feed = self.feed
        if feed is None or feed.state.catalog is None:
            return
        choices = [
            (e.name, f"{e.name}  {e.dashboard.title}  ({e.origin})") for e in feed.state.catalog.entries
        ]

        def picked(name: str | None) -> None:
            if name and feed is not None:
                feed.show(name)

        self.app.push_screen(ChoiceModal("Dashboard", choices, feed.state.dashboard), picked)

    def action_pick_variable(self) -> None:
        feed = self.feed
        if feed is None or not feed.state.options:
            self.notify("this dashboard has no variables", timeout=3)
            return
        names = list(feed.state.options)

        def pick_value(variable: str | None) -> None:
            if not variable or feed is None:
                return
            values = [(v, v) for v in feed.state.options.get(variable, ())]

            def chosen(value: str | None) -> None:
                if value is not None and feed is not None:
                    feed.choose(variable, value)

            self.app.push_screen(
                ChoiceModal(f"${variable}", values, feed.state.choices.get(variable)), chosen
            )

        if len(names) == 1:
            pick_value(names[0])
            return
        labels = [(n, f"${n} = {feed.state.choices.get(n, '')}") for n in names]
        self.app.push_screen(ChoiceModal("Variable", labels), pick_value)

    def action_copy_promql(self) -> None:
        feed = self.feed
        if feed is None:
            return
        index = self.grid.focused_index
        panels = feed.state.panels
        data = panels[index] if 0 <= index < len(panels) else None
        if data is None or not data.queries:
            self.notify("no PromQL yet: the panel has not been fetched", timeout=3)
            return
        self.app.copy_to_clipboard("\n".join(data.queries))
        self.notify(f"copied the PromQL of {data.title!r}", timeout=3)

"""Drill-down: one panel (or an alert rule's expression) as a full chart.

Keys: `1`-`6` ranges (5m 15m 1h 6h 24h 7d), `t` a typed range (``2h``, ``04:00..05:30``), `b` the
baseline overlay (offset 1d, then 1w, then off) with the deviation callout and anomaly marks, `/` a
label filter, `y` copies the PromQL (OSC 52), `x` lists the exemplars (time, value, trace id) and
`enter` on one opens its trace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import Static

from oncall_tui.config.dashboards import Dashboard, Panel, UnitName
from oncall_tui.domain.drilldown import TimeRange, parse_range, rule_threshold
from oncall_tui.domain.exemplars import expression_from_generator_url
from oncall_tui.domain.matchers import ParseError
from oncall_tui.domain.panel_plan import resolved_queries
from oncall_tui.domain.units import format_value
from oncall_tui.domain.variables import substitutions
from oncall_tui.services.chart_view import ChartView, build_view
from oncall_tui.services.drilldown_data import ChartData, fetch_chart
from oncall_tui.ui.bindings import DRILLDOWN_BINDINGS
from oncall_tui.ui.screens.base import OncallScreen
from oncall_tui.ui.screens.metrics_pickers import ChoiceModal
from oncall_tui.ui.screens.modals import PromptModal
from oncall_tui.ui.widgets.metric_chart import SERIES_VARIABLES, MetricChart

DEMO_MAX_POINTS = 1000
"""The demo's PromQL evaluator is slow: fewer points per series there."""
_BASELINE_CYCLE: tuple[str | None, ...] = (None, "1d", "1w")


class DrillDownScreen(OncallScreen):
    """A chart of a few PromQL queries over a chosen range."""

    TITLE_TEXT: ClassVar[str] = "Drill-down"
    BINDINGS: ClassVar[list[BindingType]] = DRILLDOWN_BINDINGS
    DEFAULT_CSS = """
    DrillDownScreen #drill-head { height: 1; background: $panel; }
    DrillDownScreen #drill-legend { height: auto; max-height: 4; }
    DrillDownScreen #drill-note { height: auto; max-height: 2; color: $text-muted; }
    """

    def __init__(
        self,
        title: str,
        queries: Sequence[tuple[str, str]],
        *,
        panel: Panel | None = None,
        variables: Mapping[str, str] | None = None,
        unit: UnitName = "short",
        decimals: int | None = None,
        window: timedelta = timedelta(hours=1),
        time_range: TimeRange | None = None,
        max_series: int = 10,
        threshold: float | None = None,
    ) -> None:
        super().__init__()
        self.chart_title = title
        """What is charted (panel title, alert name)."""
        self.queries = list(queries)
        """``(expr, legend)`` pairs, variables substituted (for a panel: again for each range's step)."""
        self.panel = panel
        """The dashboard panel charted, if it is one."""
        self.variables = dict(variables or {})
        """Substitutions of the dashboard's variables."""
        self.unit: UnitName = unit
        """Unit of the values."""
        self.decimals = decimals
        """Fixed decimals, or None."""
        self.max_series = max_series
        """Top-N cap."""
        self.threshold = threshold
        """A rule threshold to draw, if any."""
        self.baseline: str | None = None
        """Baseline offset shown (``1d``, ``1w``) or None."""
        self.label_filter = ""
        """Label filter as typed."""
        self.data: ChartData | None = None
        """Latest fetched data."""
        self.view: ChartView | None = None
        """What the chart shows now."""
        self._window = window
        self._range = time_range

    # --- constructors ------------------------------------------------------------------------

    @classmethod
    def for_panel(cls, panel: Panel, dashboard: Dashboard, choices: Mapping[str, str]) -> DrillDownScreen:
        """The drill-down of a dashboard panel (its queries with the chosen variables)."""
        window = panel.window or dashboard.window
        return cls(
            panel.title,
            [],
            panel=panel,
            variables=substitutions(choices),
            unit=panel.unit,
            decimals=panel.decimals,
            window=window,
            max_series=panel.max_series,
        )

    @classmethod
    def for_alert(
        cls, name: str, generator_url: str, fired_at: datetime, now: datetime
    ) -> DrillDownScreen | None:
        """The drill-down of an alert rule's expression around when it fired; None without an expression."""
        expr = expression_from_generator_url(generator_url)
        if expr is None:
            return None
        split = rule_threshold(expr)
        # From half an hour before it fired until now, or an hour after it fired for old alerts.
        start = fired_at - timedelta(minutes=30)
        end = now if now - fired_at < timedelta(hours=2) else fired_at + timedelta(hours=1)
        label = f"{start.astimezone():%H:%M}..{end.astimezone():%H:%M}"
        return cls(
            name,
            [(split.expr if split else expr, "")],
            time_range=TimeRange(start, end, label),
            threshold=split.value if split else None,
        )

    # --- layout ------------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        yield Static(id="drill-head")
        yield MetricChart()
        yield Static(id="drill-legend")
        yield Static(id="drill-note")

    @property
    def chart(self) -> MetricChart:
        return self.query_one(MetricChart)

    def on_mount(self) -> None:
        super().on_mount()
        if self._range is None:
            now = self.oncall_app.clock.now()
            self._range = TimeRange(now - self._window, now, _label(self._window))
        self._head()
        self._fetch()

    # --- data --------------------------------------------------------------------------------

    def _fetch(self) -> None:
        time_range = self._range
        assert time_range is not None
        baseline = self.baseline
        demo = self.oncall_app.demo
        max_points = DEMO_MAX_POINTS if demo else 11_000
        if self.panel is not None:
            # $__rate_interval and friends follow this range's step, as on the dashboard.
            step = timedelta(seconds=time_range.step_seconds(max_points=max_points))
            planned = resolved_queries(self.panel, time_range.span, step, self.variables)
            self.queries = [(q.expr, q.legend) for q in planned]

        async def fetch() -> None:
            sources = self.oncall_app.sources
            if sources is None or "prometheus" not in sources.kinds:
                self._note("this context has no prometheus source")
                return
            client = await sources.prometheus()
            self._note(f"fetching {time_range.label}…")
            data = await fetch_chart(
                client,
                self.queries,
                time_range,
                max_series=self.max_series,
                baseline=baseline,
                max_points=max_points,
            )
            self.data = data
            self._redraw()

        self.run_worker(
            fetch(), group="drilldown", exclusive=True, exit_on_error=False, description="fetching the chart"
        )

    def _redraw(self) -> None:
        data = self.data
        if data is None:
            return
        try:
            view = build_view(data, self.chart.size.width or 80, self.label_filter)
        except ParseError as error:
            self.notify(str(error), title="Filter", severity="error")
            return
        self.view = view
        span = (data.range.start.timestamp(), data.range.end.timestamp())
        self.chart.show(view, unit=self.unit, decimals=self.decimals, span=span, threshold=self.threshold)
        self._head()
        self._legend(view)
        notes = [f"✖ {data.error}"] if data.error else []
        notes.extend(data.notes)
        if data.exemplars:
            newest = data.exemplars[0]
            notes.append(
                f"◆ {len(data.exemplars)} exemplars (x to list) · newest {newest.at.astimezone():%H:%M:%S}"
                f" {self._exemplar_value(newest.value)} trace {newest.trace_id[:16]}"
            )
        self._note("\n".join(notes))

    def _head(self) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {self.chart_title} ", style="bold reverse")
        text.append(f" {self._range.label if self._range else ''}", style="bold")
        if self.baseline:
            text.append(f"  vs offset {self.baseline}", style="bold")
        if self.view is not None and self.view.deviation:
            text.append(f"  {self.view.deviation}", style="bold")
        if self.label_filter:
            text.append(f"  /{self.label_filter}", style="bold")
        if self.view is not None and self.view.hidden:
            shown = self.view.total - self.view.hidden
            text.append(f"  top {shown} of {self.view.total} series", style="dim")
        if self.threshold is not None:
            text.append(f"  threshold {format_value(self.threshold, self.unit, self.decimals)}", style="dim")
        self.query_one("#drill-head", Static).update(text)

    def _legend(self, view: ChartView) -> None:
        variables = self.app.theme_variables
        text = Text(overflow="ellipsis")
        for index, line in enumerate(view.lines):
            colour = variables.get(SERIES_VARIABLES[index % len(SERIES_VARIABLES)], "")
            text.append("━━ ", style=colour)
            # A series without labels (an aggregate of everything) is named after what is charted.
            name = line.legend if line.legend != "{}" else self.chart_title
            text.append(f"{name[:28]} {format_value(line.current, self.unit, self.decimals)}   ")
        if not view.lines:
            text.append("no series" + (" match the filter" if self.label_filter else ""), style="dim")
        if view.anomalies:
            text.append(f"  x {len(view.anomalies)} anomalies", style=variables.get("threshold-breach", ""))
        self.query_one("#drill-legend", Static).update(text)

    def _note(self, text: str) -> None:
        self.query_one("#drill-note", Static).update(text)

    # --- actions -----------------------------------------------------------------------------

    def action_range(self, text: str) -> None:
        self._set_range(text)

    def _set_range(self, text: str) -> None:
        try:
            self._range = parse_range(text, self.oncall_app.clock.now())
        except ValueError as error:
            self.notify(str(error), title="Range", severity="error")
            return
        self._head()
        self._fetch()

    def action_typed_range(self) -> None:
        def check(value: str) -> str | None:
            try:
                parse_range(value, self.oncall_app.clock.now())
            except ValueError as error:
                return str(error)
            return None

        def typed(value: str | None) -> None:
            if value:
                self._set_range(value)

        prompt = PromptModal(
            "Time range",
            "Range",
            self._range.label if self._range else "1h",
            check,
            "2h, or START..END (04:00..05:30)",
        )
        self.app.push_screen(prompt, typed)

    def action_baseline(self) -> None:
        index = _BASELINE_CYCLE.index(self.baseline)
        # The head line says which baseline is shown (and the deviation from it): no toast needed.
        self.baseline = _BASELINE_CYCLE[(index + 1) % len(_BASELINE_CYCLE)]
        self._head()
        self._fetch()

    def action_filter(self) -> None:
        def typed(value: str | None) -> None:
            if value is not None:
                self.label_filter = value.strip()
                self._redraw()

        prompt = PromptModal(
            "Label filter", "Filter", self.label_filter, None, 'code="500"  service=~"check.*"  words'
        )
        self.app.push_screen(prompt, typed)

    def action_copy_promql(self) -> None:
        text = "\n".join(expr for expr, _ in self.queries)
        self.app.copy_to_clipboard(text)
        self.notify("copied the PromQL", timeout=3)

    def action_exemplars(self) -> None:
        data = self.data
        if data is None or not data.exemplars:
            self.notify("no exemplars in this range", timeout=3)
            return
        choices = [
            (e.trace_id, f"{e.at.astimezone():%H:%M:%S}  {self._exemplar_value(e.value):>10}  {e.trace_id}")
            for e in data.exemplars
        ]

        def picked(trace_id: str | None) -> None:
            if trace_id:
                self.oncall_app.open_trace(trace_id)

        self.app.push_screen(ChoiceModal("Exemplars: time, value, trace id", choices), picked)

    def _exemplar_value(self, value: float) -> str:
        # An exemplar carries the observation (a latency), in the panel's unit only for latency panels.
        unit: UnitName = self.unit if self.unit in ("seconds", "ms", "us", "ns") else "none"
        return format_value(value, unit, None)

    def action_back(self) -> None:
        self.app.pop_screen()


def _label(window: timedelta) -> str:
    from oncall_tui.domain.durations import format_duration

    return format_duration(window)

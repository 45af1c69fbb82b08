"""The drill-down chart: plotext through textual-plotext, colours read from the active theme.

It draws a :class:`~oncall_tui.services.chart_view.ChartView` (already reduced to the chart's width):
one line per series, the baseline overlay in a muted colour, anomaly and exemplar marks, and the
rule's threshold as a horizontal line. Axis labels are times (local) and values in one unit scale.
"""

from __future__ import annotations

from datetime import datetime

from textual.color import Color
from textual_plotext import PlotextPlot

from oncall_tui.config.dashboards import UnitName
from oncall_tui.domain.units import common_scale, format_in_scale
from oncall_tui.services.chart_view import ChartView

SERIES_VARIABLES = (
    "primary",
    "accent",
    "secondary",
    "success",
    "warning",
    "severity-info",
    "error",
    "foreground",
)
"""Theme variables the series lines take their colours from, in order."""

RGB = tuple[int, int, int]


def _rgb(value: str | None, fallback: RGB = (200, 200, 200)) -> RGB:
    if not value:
        return fallback
    try:
        return Color.parse(value).rgb
    except Exception:  # a theme variable that is not a colour: keep the chart readable
        return fallback


class MetricChart(PlotextPlot):
    """A full-size chart of one panel's series."""

    DEFAULT_CSS = """
    MetricChart { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._view: ChartView | None = None
        self._unit: UnitName = "short"
        self._decimals: int | None = None
        self._threshold: float | None = None
        self._span: tuple[float, float] = (0.0, 1.0)

    def series_colours(self) -> list[RGB]:
        """Colours of the series lines, from the theme."""
        variables = self.app.theme_variables
        return [_rgb(variables.get(name)) for name in SERIES_VARIABLES]

    def show(
        self,
        view: ChartView,
        *,
        unit: UnitName,
        decimals: int | None,
        span: tuple[float, float],
        threshold: float | None = None,
    ) -> None:
        """Plot ``view`` over ``span`` (unix seconds from, to)."""
        self._view = view
        self._unit = unit
        self._decimals = decimals
        self._threshold = threshold
        self._span = span
        self._replot()

    def on_resize(self) -> None:
        self._replot()

    def _replot(self) -> None:
        plt = self.plt
        plt.clear_figure()
        view = self._view
        if view is None:
            self.refresh()
            return
        variables = self.app.theme_variables
        colours = self.series_colours()
        muted = _rgb(variables.get("text-muted") or variables.get("foreground-darken-2"), (128, 128, 128))
        breach = _rgb(variables.get("threshold-breach"), (255, 95, 95))
        exemplar = _rgb(variables.get("accent"), (255, 175, 95))
        values: list[float] = []
        for line in view.baseline:
            if line.xs:
                plt.plot(line.xs, line.ys, color=muted, marker="dot")
                values.extend(line.ys)
        for index, line in enumerate(view.lines):
            if line.xs:
                plt.plot(line.xs, line.ys, color=colours[index % len(colours)], marker="braille")
                values.extend(line.ys)
        if view.anomalies:
            plt.scatter(
                [p[0] for p in view.anomalies], [p[1] for p in view.anomalies], color=breach, marker="x"
            )
        if view.exemplars:
            plt.scatter(
                [p[0] for p in view.exemplars], [p[1] for p in view.exemplars], color=exemplar, marker="◆"
            )
            values.extend(p[1] for p in view.exemplars)
        if self._threshold is not None:
            plt.hline(self._threshold, color=breach)
            values.append(self._threshold)
        start, end = self._span
        plt.xlim(start, end)
        self._ticks(start, end, values)
        self.refresh()

    def _ticks(self, start: float, end: float, values: list[float]) -> None:
        plt = self.plt
        count = max(2, min(6, self.size.width // 14))
        xs = [start + (end - start) * i / (count - 1) for i in range(count)]
        long = end - start > 86400
        fmt = "%a %H:%M" if long else "%H:%M"
        plt.xticks(xs, [datetime.fromtimestamp(x).astimezone().strftime(fmt) for x in xs])
        finite = [v for v in values if v == v and abs(v) != float("inf")]
        if not finite:
            return
        low, high = min(finite), max(finite)
        if high == low:
            high = low + (abs(low) or 1.0)
        scale = common_scale(self._unit, finite)
        rows = max(2, min(5, self.size.height // 4))
        ys = [low + (high - low) * i / (rows - 1) for i in range(rows)]
        plt.yticks(ys, [format_in_scale(y, scale, self._decimals) for y in ys])

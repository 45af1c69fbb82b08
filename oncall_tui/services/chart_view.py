"""What the drill-down chart draws, computed without Textual: lines downsampled to the chart's width
(min and max per column), the baseline overlay, anomaly marks, exemplar marks, the deviation callout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from oncall_tui.domain.drilldown import anomalies, deviation, downsample_minmax, filter_series
from oncall_tui.services.drilldown_data import ChartData, ChartSeries


@dataclass(frozen=True, slots=True)
class Line:
    """One polyline of the chart."""

    legend: str
    """Name shown in the legend."""
    xs: list[float]
    """Unix seconds."""
    ys: list[float]
    """Values."""
    current: float | None
    """Last value of the series (before downsampling)."""


@dataclass(frozen=True, slots=True)
class ChartView:
    """Everything the chart widget plots, already reduced to its width."""

    lines: tuple[Line, ...]
    """Series lines, highest current value first."""
    baseline: tuple[Line, ...]
    """Baseline lines (same order as their series where one exists)."""
    anomalies: tuple[tuple[float, float], ...]
    """(time, value) points outside the baseline's band."""
    exemplars: tuple[tuple[float, float], ...]
    """(time, value on the first line) of each exemplar in the range."""
    deviation: str | None
    """``+340% vs same time yesterday`` for the first series, when a baseline is shown."""
    hidden: int
    """Series not drawn: the cap, plus those the label filter left out."""
    total: int
    """Series Prometheus returned."""


def _key(series: ChartSeries) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(series.labels.items()))


def _aligned(
    series: ChartSeries, baseline: ChartSeries, step: float
) -> tuple[list[float | None], list[float | None]]:
    """Both series' values on the union of their time grid (rounded to the step)."""
    base = {round(t / step): v for t, v in zip(baseline.timestamps, baseline.values, strict=True)}
    now_values: list[float | None] = []
    base_values: list[float | None] = []
    for t, v in zip(series.timestamps, series.values, strict=True):
        now_values.append(v)
        base_values.append(base.get(round(t / step)))
    return now_values, base_values


def build_view(data: ChartData, width: int, label_filter: str = "") -> ChartView:
    """Reduce ``data`` to a chart ``width`` columns wide; ``label_filter`` narrows the series.

    Raises the matcher ParseError when the filter is malformed.
    """
    kept_indexes = filter_series(
        [dict(s.labels) for s in data.series], [s.legend for s in data.series], label_filter
    )
    kept = [data.series[i] for i in kept_indexes]
    columns = max(10, width)
    lines = tuple(
        Line(s.legend, *downsample_minmax(s.timestamps, s.values, columns), current=s.current) for s in kept
    )
    baselines = {_key(b): b for b in data.baseline}
    base_lines: list[Line] = []
    marks: list[tuple[float, float]] = []
    callout = None
    for index, series in enumerate(kept):
        base = baselines.get(_key(series))
        if base is None:
            continue
        base_lines.append(
            Line(
                f"{series.legend} ({data.offset} ago)",
                *downsample_minmax(base.timestamps, base.values, columns),
                base.current,
            )
        )
        now_values, base_values = _aligned(series, base, data.step)
        for column in anomalies(now_values, base_values):
            value = now_values[column]
            if value is not None:
                marks.append((series.timestamps[column], value))
        if index == 0 and data.offset is not None:
            last = next(
                (
                    b
                    for v, b in zip(reversed(now_values), reversed(base_values), strict=True)
                    if v is not None and b is not None
                ),
                None,
            )
            callout = deviation(series.current, last, data.offset)
    # Many anomalies in one column are one mark: keep the chart readable.
    marks = _thin(marks, data, columns)
    exemplars = _exemplar_marks(data, kept[0] if kept else None)
    return ChartView(
        lines=lines,
        baseline=tuple(base_lines),
        anomalies=tuple(marks),
        exemplars=exemplars,
        deviation=callout,
        hidden=data.dropped + len(data.series) - len(kept),
        total=len(data.series) + data.dropped,
    )


def _exemplar_marks(data: ChartData, series: ChartSeries | None) -> tuple[tuple[float, float], ...]:
    """Exemplars as marks on the first line at their time (their own value is often another unit:
    a request counter's exemplar carries a latency)."""
    if series is None or not series.timestamps:
        return ()
    start, end = data.range.start.timestamp(), data.range.end.timestamp()
    first, step = series.timestamps[0], data.step or 1.0
    marks: list[tuple[float, float]] = []
    for exemplar in data.exemplars:
        at = exemplar.at.timestamp()
        if not start <= at <= end:
            continue
        index = min(len(series.values) - 1, max(0, round((at - first) / step)))
        value = series.values[index]
        if math.isfinite(value):
            marks.append((at, value))
    return tuple(marks)


def _thin(points: list[tuple[float, float]], data: ChartData, columns: int) -> list[tuple[float, float]]:
    if not points:
        return points
    start = data.range.start.timestamp()
    width = max((data.range.end.timestamp() - start) / columns, 1e-9)
    best: dict[int, tuple[float, float]] = {}
    for t, v in points:
        column = int((t - start) / width)
        if column not in best or abs(v) > abs(best[column][1]):
            best[column] = (t, v)
    return [best[c] for c in sorted(best)]

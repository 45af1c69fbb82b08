"""Panels as plain text for ``dashboards show``: something to paste into the incident channel.

One heading line per panel (title, headline value, state), then one line per series:
legend, current value with unit, sparkline, min–max. ANSI colour marks the state only
when asked (a terminal); pasted text stays clean.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from oncall_tui.domain.durations import format_duration
from oncall_tui.domain.panel_data import PanelData, SeriesData
from oncall_tui.domain.sparkline import render
from oncall_tui.domain.units import common_scale, format_in_scale, format_value

_COLOURS = {"warning": "\x1b[33m", "critical": "\x1b[31m", "stale": "\x1b[2m"}
_RESET = "\x1b[0m"
MAX_SERIES_LINES = 5
"""Series lines printed per panel; the rest are counted."""


def _paint(text: str, state: str, colour: bool) -> str:
    code = _COLOURS.get(state)
    return f"{code}{text}{_RESET}" if colour and code else text


def _value(series: SeriesData | None, panel: PanelData) -> str:
    return format_value(series.current if series else None, panel.unit, panel.decimals)


def _trend(series: SeriesData) -> str:
    if series.current is None or series.first is None or series.current == series.first:
        return "→"
    return "↑" if series.current > series.first else "↓"


def heading(
    dashboard_title: str, name: str, window_seconds: float, choices: Mapping[str, str], at: datetime
) -> str:
    """First line: title, name, window, variable choices and the time of the data."""
    span = format_duration_seconds(window_seconds)
    chosen = "".join(f", {k}={v}" for k, v in choices.items())
    return f"{dashboard_title}  ({name}, last {span}{chosen}, {at.astimezone(UTC):%Y-%m-%d %H:%M} UTC)"


def format_duration_seconds(seconds: float) -> str:
    """``3600`` → ``1h``."""
    return format_duration(timedelta(seconds=round(seconds)))


def panel_lines(panel: PanelData, *, colour: bool, legend_width: int = 22) -> list[str]:
    """The text of one panel."""
    headline = panel.headline
    status = "" if panel.state in ("ok", "unknown") else f"  [{panel.state.upper()}]"
    value = _value(headline, panel)
    if panel.kind == "stat" and headline is not None:
        value = f"{value} {_trend(headline)}"
    extra = "".join(f"  {label} {text}" for label, text in panel.extra)
    lines = [_paint(f"{panel.title}: {value}{status}{extra}", panel.state, colour)]
    if panel.stale:
        lines.append(_paint(f"  stale: {panel.stale}", "stale", colour))
    if panel.error:
        lines.append(f"  error: {panel.error}")
    if not panel.series and not panel.error:
        lines.append("  no data")
    for series in panel.series[:MAX_SERIES_LINES]:
        lines.append(_series_line(panel, series, colour=colour, legend_width=legend_width))
    hidden = len(panel.series) - MAX_SERIES_LINES + panel.dropped
    if hidden > 0:
        lines.append(
            f"  … {hidden} more series (top {min(len(panel.series), MAX_SERIES_LINES)} by current value)"
        )
    return lines


def _series_line(panel: PanelData, series: SeriesData, *, colour: bool, legend_width: int) -> str:
    legend = series.legend if len(series.legend) <= legend_width else series.legend[: legend_width - 1] + "…"
    scale = common_scale(panel.unit, [v for v in (series.low, series.high) if v is not None])
    spread = "–"
    if series.low is not None and series.high is not None:
        low = format_in_scale(series.low, scale, panel.decimals)
        spread = f"{low} – {format_in_scale(series.high, scale, panel.decimals)}"
    value = _paint(f"{_value(series, panel):>12}", series.state, colour)
    return f"  {legend:<{legend_width}} {value}  {render(series.values)}  {spread}"


def dashboard_text(header: str, panels: Sequence[PanelData], *, colour: bool) -> str:
    """The whole dashboard, panels separated by blank lines."""
    blocks = [header, ""]
    for panel in panels:
        blocks.extend(panel_lines(panel, colour=colour))
        blocks.append("")
    return "\n".join(blocks).rstrip() + "\n"

"""Drill-down arithmetic: ranges, min/max downsampling, baseline deviation, anomalies, rule thresholds."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from oncall_tui.domain.drilldown import (
    anomalies,
    deviation,
    downsample_minmax,
    filter_series,
    parse_range,
    rule_threshold,
)
from oncall_tui.domain.matchers import ParseError

NOW = datetime(2026, 12, 6, 5, 40, tzinfo=UTC)


def test_ranges_typed_as_durations_or_start_end() -> None:
    last = parse_range("2h", NOW)
    assert (last.start, last.end, last.label) == (NOW - timedelta(hours=2), NOW, "2h")
    window = parse_range("04:00..05:30", NOW)
    assert (window.start, window.end) == (NOW.replace(hour=4, minute=0), NOW.replace(hour=5, minute=30))
    iso = parse_range("2026-12-05T23:00..2026-12-06T01:00:00+00:00", NOW)
    assert iso.span == timedelta(hours=2)
    ago = parse_range("3h..1h", NOW)
    assert (ago.start, ago.end) == (NOW - timedelta(hours=3), NOW - timedelta(hours=1))
    assert parse_range("30m..", NOW).end == NOW


@pytest.mark.parametrize("text", ["", "soon", "05:00..04:00", "1h..2h"])
def test_bad_ranges_say_why(text: str) -> None:
    with pytest.raises(ValueError):
        parse_range(text, NOW)


def test_seven_days_fetch_at_about_one_minute_within_prometheus_limit() -> None:
    week = parse_range("7d", NOW)
    assert week.step_seconds() == 55.0
    assert week.span.total_seconds() / week.step_seconds() <= 11_000
    assert parse_range("1h", NOW).step_seconds() == 15.0


def test_min_max_downsampling_keeps_spikes_and_gaps() -> None:
    ts = [float(t) for t in range(100)]
    values: list[float | None] = [1.0] * 100
    values[37] = 50.0  # one spike
    values[80] = None
    values[81] = math.nan
    xs, ys = downsample_minmax(ts, values, 10)
    assert max(ys) == 50.0 and 37.0 in xs
    assert len(xs) <= 20 and xs == sorted(xs)
    assert downsample_minmax([], [], 10) == ([], [])
    assert downsample_minmax([1.0, 2.0], [None, None], 4) == ([], [])


def test_deviation_callout_against_the_baseline() -> None:
    assert deviation(4.4, 1.0, "1d") == "+340% vs same time yesterday"
    assert deviation(0.5, 1.0, "1w") == "-50% vs same time last week"
    assert deviation(1.0, 0.0, "1d") is None
    assert deviation(None, 1.0, "1d") is None


def test_points_leaving_the_baseline_band_are_anomalies() -> None:
    baseline: list[float | None] = [10.0, 10.5, 9.5, 10.0, 10.0, None]
    current: list[float | None] = [10.2, 10.0, 30.0, 9.0, 2.0, 50.0]
    assert anomalies(current, baseline) == [2, 4]


@pytest.mark.parametrize(
    ("expr", "plot", "op", "value"),
    [
        (
            'sum(rate(x{code=~"5.."}[5m])) / sum(rate(x[5m])) > 0.05',
            'sum(rate(x{code=~"5.."}[5m])) / sum(rate(x[5m]))',
            ">",
            0.05,
        ),
        ('up{job="node"} == 0', 'up{job="node"}', "==", 0.0),
        (
            "0.15 > node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes",
            "node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes",
            "<",
            0.15,
        ),
        (
            "histogram_quantile(0.99, sum by (le) (rate(h[5m]))) >= 1e-1",
            "histogram_quantile(0.99, sum by (le) (rate(h[5m])))",
            ">=",
            0.1,
        ),
    ],
)
def test_rule_thresholds_are_found_at_the_top_level(expr: str, plot: str, op: str, value: float) -> None:
    found = rule_threshold(expr)
    assert found is not None
    assert (found.expr, found.op, found.value) == (plot, op, value)


@pytest.mark.parametrize("expr", ["up", 'count(up{job=~"a>b"} > 0)', "a > b", "a > 1 and b < 2"])
def test_no_threshold_without_one_top_level_comparison_with_a_number(expr: str) -> None:
    assert rule_threshold(expr) is None


def test_label_filter_uses_matchers_and_free_words() -> None:
    labels = [
        {"code": "500", "service": "checkout"},
        {"code": "200", "service": "checkout"},
        {"code": "500", "service": "cart"},
    ]
    legends = ["checkout 500", "checkout 200", "cart 500"]
    assert filter_series(labels, legends, 'code="500"') == [0, 2]
    assert filter_series(labels, legends, 'service=~"check.*" 200') == [1]
    assert filter_series(labels, legends, "cart") == [2]
    assert filter_series(labels, legends, "") == [0, 1, 2]
    with pytest.raises(ParseError):
        filter_series(labels, legends, 'code="500')

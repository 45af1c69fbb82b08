"""PromQL builders, legends, the top-N cap and sparkline text."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from oncall_tui.domain.legend import render_legend, series_name, top_n
from oncall_tui.domain.promql import (
    apdex,
    builtin_values,
    escape_label_value,
    escape_regex,
    histogram_quantile,
    matcher,
    prom_duration,
    substitute,
    with_offset,
)
from oncall_tui.domain.sparkline import GAP, align, render

DAY = timedelta(days=1)


def test_label_values_are_escaped_for_double_quoted_strings() -> None:
    assert escape_label_value('a"b\\c\nd') == 'a\\"b\\\\c\\nd'
    assert matcher("path", '/x"y') == 'path="/x\\"y"'
    assert escape_regex("api.v1+") == "api\\.v1\\+"


def test_variables_are_substituted_in_both_spellings_and_escaped() -> None:
    expr = 'rate(x{svc="$svc", inst=~"${inst}", other="$other"}[$__rate_interval])'
    out = substitute(expr, {"svc": 'a"b', "inst": ".*", "__rate_interval": "1m"})
    assert out == 'rate(x{svc="a\\"b", inst=~".*", other="$other"}[1m])'


def test_rate_interval_is_at_least_four_scrapes_and_a_step_plus_one() -> None:
    values = builtin_values(timedelta(hours=1), timedelta(seconds=60), timedelta(seconds=15))
    assert values == {"window": "1h", "__range": "1h", "__interval": "1m", "__rate_interval": "1m15s"}
    assert builtin_values(DAY, timedelta(seconds=10), timedelta(seconds=15))["__rate_interval"] == "1m"
    assert prom_duration(timedelta(days=7)) == "1w"
    assert prom_duration(timedelta(milliseconds=10)) == "1s"


def test_histogram_quantile_covers_classic_and_native_histograms() -> None:
    classic = histogram_quantile(0.99, "h", '{svc="a"}', flavour="classic")
    assert classic == 'histogram_quantile(0.99, sum by (le) (rate(h_bucket{svc="a"}[5m])))'
    native = histogram_quantile(0.5, "h", by=["svc"], rate_window=timedelta(minutes=1), flavour="native")
    assert native == "histogram_quantile(0.5, sum by (svc) (rate(h[1m])))"
    both = histogram_quantile(0.95, "h")
    assert both.startswith("histogram_quantile(0.95, sum by (le) (rate(h_bucket[5m])))")
    assert both.endswith(" or histogram_quantile(0.95, sum (rate(h[5m])))")


def test_apdex_matches_le_in_both_prometheus_spellings() -> None:
    expr = apdex("h", 1.0, 4.0, '{svc="a"}')
    assert 'h_bucket{svc="a", le=~"1|1\\\\.0"}' in expr
    assert 'h_bucket{svc="a", le=~"4|4\\\\.0"}' in expr
    assert 'histogram_fraction(0, 1, sum (rate(h{svc="a"}[5m])))' in expr


@pytest.mark.parametrize(
    ("expr", "shifted"),
    [
        ("up", "up offset 1d"),
        (
            'sum by (le) (rate(x_bucket{a="b"}[5m]))',
            'sum by (le) (rate(x_bucket{a="b"}[5m] offset 1d))',
        ),
        (
            "sum(rate(x[5m])) by (job) / on(job) group_left(v) info",
            "sum(rate(x[5m] offset 1d)) by (job) / on(job) group_left(v) info offset 1d",
        ),
        ('{__name__="up"} offset 5m', '{__name__="up"} offset 5m'),
        ('{__name__="up"}', '{__name__="up"} offset 1d'),
        ("rate(x[5m] @ 100)", "rate(x[5m] @ 100)"),
        ("a and b", "a offset 1d and b offset 1d"),
        ("x > bool 1e-3", "x offset 1d > bool 1e-3"),
        ('label_replace(up, "a", "$1", "b", "(.*)")', 'label_replace(up offset 1d, "a", "$1", "b", "(.*)")'),
    ],
)
def test_baseline_offsets_every_selector_once(expr: str, shifted: str) -> None:
    assert with_offset(expr, DAY) == shifted


def test_legend_templates_and_default_names() -> None:
    labels = {"__name__": "http_requests_total", "service": "checkout", "code": "500"}
    assert render_legend("{{service}} {{ code }}", labels) == "checkout 500"
    assert render_legend("{{missing}} {{code}}", labels) == "500"
    assert render_legend("", labels) == 'http_requests_total{code="500", service="checkout"}'
    assert series_name({}) == "{}"
    assert series_name({"__name__": "up"}) == "up"


def test_top_n_keeps_the_highest_current_values_and_counts_the_rest() -> None:
    values = [3.0, None, 10.0, math.nan, 7.0, 10.0]
    kept, dropped = top_n(list(range(len(values))), 3, lambda i: values[i])
    assert kept == [2, 5, 4]
    assert dropped == 3
    all_kept, none_dropped = top_n(list(range(len(values))), 10, lambda i: values[i])
    assert all_kept[-2:] == [1, 3]
    assert none_dropped == 0


def test_sparkline_has_one_column_per_step_and_shows_gaps() -> None:
    grid = align([100, 110, 130, 999], [1.0, 2.0, 4.0, 9.0], start=100, step=10, columns=4)
    assert grid == [1.0, 2.0, None, 4.0]
    text = render(grid)
    assert len(text) == 4
    assert text[0] == "▁" and text[3] == "█" and text[2] == GAP
    assert render([5, 5]) == "▄▄"
    assert render([0, 0]) == "▁▁"
    assert render([None, math.nan]) == GAP * 2
    assert render([0, 50, 100], low=0, high=200) == "▁▃▅"

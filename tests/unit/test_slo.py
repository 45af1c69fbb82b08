"""Apdex and SLO error-budget arithmetic against values worked out by hand (the sums are in the comments)."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from oncall_tui.domain.slo import (
    Apdex,
    SloStatus,
    apdex_band,
    apdex_from_buckets,
    apdex_query,
    budget_left,
    budget_left_query,
    burn_rate,
    burn_rate_query,
    count_at_most,
    slo_status,
)

INF = math.inf
# Cumulative latency buckets in seconds: 50 requests ≤ 0.1 s, 80 ≤ 0.3 s, 95 ≤ 1.2 s, 100 in all.
BUCKETS = [(0.1, 50.0), (0.3, 80.0), (1.2, 95.0), (INF, 100.0)]


def test_apdex_on_bucket_bounds() -> None:
    # T = 0.3 s, F = 4T = 1.2 s: satisfied 80, tolerating 95 - 80 = 15, frustrated 100 - 95 = 5.
    # Apdex = (80 + 15 / 2) / 100 = 87.5 / 100 = 0.875 → two decimals 0.88 → good (0.85–0.93).
    result = apdex_from_buckets(BUCKETS, 0.3)
    assert (result.satisfied, result.tolerating, result.frustrated, result.total) == (80, 15, 5, 100)
    assert result.score == pytest.approx(0.875)
    assert result.band == "good"


def test_apdex_between_bucket_bounds_interpolates() -> None:
    # T = 0.2 s lies between 0.1 (50) and 0.3 (80): 50 + (80 - 50) × (0.2 - 0.1) / (0.3 - 0.1) = 50 + 15 = 65.
    # F = 0.8 s, between 0.3 (80) and 1.2 (95): 80 + 15 × (0.8 - 0.3) / (1.2 - 0.3) = 80 + 8.333… = 88.333…
    # Apdex = (65 + (88.333… - 65) / 2) / 100 = (65 + 11.666…) / 100 = 0.76666… → 0.77 → fair (0.70–0.84).
    result = apdex_from_buckets(BUCKETS, 0.2)
    assert result.satisfied == pytest.approx(65)
    assert result.tolerating == pytest.approx(88.0 + 1 / 3 - 65)
    assert result.score == pytest.approx(0.7666666, abs=1e-6)
    assert result.band == "fair"


def test_apdex_with_explicit_tolerating_and_rates() -> None:
    # Rates work the same: T = 0.1 → 5.0/s satisfied; F = 0.3 → 8.0 - 5.0 = 3.0/s tolerating; total 10/s.
    # Apdex = (5 + 3 / 2) / 10 = 6.5 / 10 = 0.65 → poor (0.50–0.69).
    rates = [(le, count / 10) for le, count in BUCKETS]
    result = apdex_from_buckets(rates, 0.1, tolerating=0.3)
    assert result.score == pytest.approx(0.65)
    assert result.band == "poor"


def test_apdex_edge_cases() -> None:
    # No samples: no score ("NS" in the spec), no band.
    empty = apdex_from_buckets([(0.1, 0.0), (INF, 0.0)], 0.1)
    assert empty.score is None and empty.band is None
    # Past the largest finite bound only that bucket is known fast enough: T = 2 s, F = 8 s → 95 and 95.
    # Apdex = (95 + 0 / 2) / 100 = 0.95 → excellent.
    beyond = apdex_from_buckets(BUCKETS, 2.0)
    assert (beyond.satisfied, beyond.tolerating, beyond.score, beyond.band) == (95, 0, 0.95, "excellent")
    # Counts that dip (rates scraped at different moments) take the running maximum: 80 ≤ 0.3 s, not 79.
    assert count_at_most([(0.1, 50.0), (0.3, 79.0), (0.2, 80.0), (INF, 100.0)], 0.3) == 80
    # Without a +Inf bucket the largest bucket is the total.
    assert apdex_from_buckets([(0.3, 8.0), (1.2, 10.0)], 0.3).total == 10
    with pytest.raises(ValueError):
        apdex_from_buckets(BUCKETS, 0)
    with pytest.raises(ValueError):
        apdex_from_buckets(BUCKETS, 0.3, tolerating=0.3)


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (1.0, "excellent"),
        (0.94, "excellent"),
        (0.935, "excellent"),  # reported as 0.94
        (0.9349, "good"),  # reported as 0.93
        (0.85, "good"),
        (0.845, "good"),  # 0.85
        (0.8449, "fair"),  # 0.84
        (0.70, "fair"),
        (0.69, "poor"),
        (0.50, "poor"),
        (0.495, "poor"),  # 0.50
        (0.494, "unacceptable"),  # 0.49
        (0.0, "unacceptable"),
    ],
)
def test_apdex_bands_use_the_two_decimal_score(score: float, band: str) -> None:
    assert apdex_band(score) == band


def test_frustrated_never_negative() -> None:
    assert Apdex(satisfied=5, tolerating=6, total=10).frustrated == 0


def test_burn_rates_and_budget_left() -> None:
    # Objective 99.9 % → budget 0.1 % = 0.001.
    # 1 h error ratio 1.45 % → burn 0.0145 / 0.001 = 14.5 > 14.4 → page.
    # 6 h error ratio 0.6 % → burn 0.006 / 0.001 = 6.
    # 30 d error ratio 0.05 % → half the budget spent: budget left 1 - 0.0005 / 0.001 = 0.5.
    assert burn_rate(0.0144, 0.999) == pytest.approx(14.4)
    assert budget_left(0.0005, 0.999) == pytest.approx(0.5)
    status = slo_status(0.0145, 0.006, 0.0005, 0.999)
    assert status.burn_1h == pytest.approx(14.5) and status.burn_6h == pytest.approx(6)
    assert status.budget_left == pytest.approx(0.5)
    assert status.level == "page"


def test_burn_levels_at_and_below_the_thresholds() -> None:
    # Objective 99 % → budget 0.01. 6 h ratio 0.061 → burn 6.1 > 6 → ticket; 1 h 0.1 → 10 ≤ 14.4: no page.
    assert slo_status(0.1, 0.061, 0.002, 0.99).level == "ticket"
    # At the thresholds is not above them (the workbook's rules use >), float noise or not:
    # 1 h 0.144 / 0.01 = 14.4 (a float a hair off), 6 h 0.06 / 0.01 = 6 → ok.
    # Budget left 1 - 0.002 / 0.01 = 0.8.
    calm = slo_status(0.144, 0.06, 0.002, 0.99)
    assert calm.level == "ok" and calm.budget_left == pytest.approx(0.8)
    # 30 d ratio 0.03 with a 0.01 budget → 1 - 3 = -2: overspent twice over.
    assert slo_status(None, None, 0.03, 0.99).budget_left == pytest.approx(-2)
    # No data (None / NaN) is no figure, and never a page.
    empty = slo_status(None, math.nan, None, 0.999)
    assert empty == SloStatus(None, None, None) and empty.level == "ok"
    with pytest.raises(ValueError):
        burn_rate(0.1, 1.0)


def test_slo_promql_sets_the_window_and_divides_by_the_budget() -> None:
    ratio = 'sum(rate(http_requests_total{code=~"5.."}[$window])) / sum(rate(http_requests_total[$window]))'
    assert burn_rate_query(ratio, 0.999, timedelta(hours=1)) == (
        '(sum(rate(http_requests_total{code=~"5.."}[1h])) / sum(rate(http_requests_total[1h]))) / 0.001'
    )
    assert budget_left_query(ratio, 0.999, timedelta(days=30)) == (
        '1 - (sum(rate(http_requests_total{code=~"5.."}[30d])) / sum(rate(http_requests_total[30d]))) / 0.001'
    )


def test_apdex_query_defaults_tolerating_to_4t_for_classic_and_native() -> None:
    expr = apdex_query("http_request_duration_seconds", 0.3, selector='{service="checkout"}')
    # 4T = 1.2: the classic form matches le="1.2", the native one asks histogram_fraction(0, 1.2, …).
    assert 'le=~"1\\\\.2"' in expr and "histogram_fraction(0, 1.2," in expr
    assert 'le=~"0\\\\.3"' in expr and "histogram_fraction(0, 0.3," in expr
    assert 'http_request_duration_seconds_count{service="checkout"}' in expr

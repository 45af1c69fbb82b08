"""The demo's PromQL subset and scenario, without HTTP."""

from __future__ import annotations

import math

import pytest

from oncall_tui.demo.promql import (
    Evaluator,
    PromQLError,
    Scalar,
    Vector,
    bucket_quantile,
    parse,
    parse_duration,
)
from oncall_tui.demo.scenario import Scenario, format_float
from oncall_tui.demo.traces import OPERATIONS, TraceGenerator

ANCHOR = 1767236400.0


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return Scenario(ANCHOR, 7)


@pytest.fixture(scope="module")
def evaluator(scenario: Scenario) -> Evaluator:
    return Evaluator(scenario.series)


def vector(evaluator: Evaluator, q: str, ts: float = ANCHOR) -> dict[tuple[tuple[str, str], ...], float]:
    value = evaluator.instant(parse(q), ts)
    assert isinstance(value, Vector)
    return {s.labels: s.value for s in value.samples}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (0.5, "0.5"),
        (1e-05, "0.00001"),
        (1.5e21, "1500000000000000000000"),
        (math.nan, "NaN"),
        (math.inf, "+Inf"),
        (-math.inf, "-Inf"),
        (-2.25, "-2.25"),
        (1767236400.0, "1767236400"),
    ],
)
def test_values_are_formatted_like_go(value: float, text: str) -> None:
    assert format_float(value) == text


def test_durations() -> None:
    assert parse_duration("5m") == 300
    assert parse_duration("1h30m") == 5400
    assert parse_duration("250ms") == 0.25
    with pytest.raises(PromQLError):
        parse_duration("5")


def test_bucket_quantile_interpolates_like_prometheus() -> None:
    buckets = [(0.1, 50.0), (0.5, 90.0), (1.0, 100.0), (math.inf, 100.0)]
    assert bucket_quantile(0.5, buckets) == pytest.approx(0.1)
    assert bucket_quantile(0.7, buckets) == pytest.approx(0.3)
    assert bucket_quantile(0.99, buckets) == pytest.approx(0.95)
    assert math.isnan(bucket_quantile(0.5, [(0.1, 0.0), (math.inf, 0.0)]))
    assert bucket_quantile(1.0, [(0.1, 1.0), (math.inf, 2.0)]) == 0.1


def test_rate_matches_the_counter(evaluator: Evaluator) -> None:
    raw = vector(evaluator, 'http_requests_total{service="checkout",code="200"}')
    before = vector(evaluator, 'http_requests_total{service="checkout",code="200"} offset 5m')
    rate = vector(evaluator, 'rate(http_requests_total{service="checkout",code="200"}[5m])')
    ((labels, now_value),) = raw.items()
    ((_, then_value),) = before.items()
    ((rate_labels, rate_value),) = rate.items()
    assert "__name__" not in dict(rate_labels)
    assert rate_value == pytest.approx((now_value - then_value) / 300)
    assert now_value > then_value > 0


def test_raw_range_selector_samples_the_scrape_grid(evaluator: Evaluator) -> None:
    value = evaluator.instant(parse('up{job="checkout"}[1m]'), ANCHOR)
    assert not isinstance(value, Scalar | Vector)
    ((_, points),) = value.series
    assert [t for t, _ in points] == [ANCHOR - 45, ANCHOR - 30, ANCHOR - 15, ANCHOR]


def test_comparisons_and_set_operators(evaluator: Evaluator) -> None:
    down = vector(evaluator, "up == 0")
    assert [dict(k)["instance"] for k in down] == ["node-3:9100"]
    assert all(dict(k)["__name__"] == "up" for k in down)
    as_bool = vector(evaluator, 'up{job="node"} == bool 0')
    assert sorted(as_bool.values()) == [0.0, 0.0, 1.0]
    fallback = vector(evaluator, 'sum(up{job="nope"}) or vector(0)')
    assert list(fallback.values()) == [0.0]
    top = vector(evaluator, "topk(2, sum by (service) (rate(http_requests_total[5m])))")
    assert {dict(k)["service"] for k in top} == {"frontend", "inventory"}


def test_one_to_one_matching_with_on_and_ignoring(evaluator: Evaluator) -> None:
    ratio = vector(
        evaluator,
        'sum by (service) (rate(http_requests_total{code="500"}[5m])) / on (service) '
        "sum by (service) (rate(http_requests_total[5m]))",
    )
    assert {dict(k)["service"] for k in ratio} == {"frontend", "checkout", "payments", "inventory"}
    mem = vector(evaluator, "node_memory_MemAvailable_bytes / ignoring(job) node_memory_MemTotal_bytes")
    assert all("job" not in dict(k) for k in mem)
    with pytest.raises(PromQLError, match="many-to-many"):
        evaluator.instant(parse("up / on() up"), ANCHOR)


@pytest.mark.parametrize(
    "q",
    [
        "",
        "sum(",
        "rate(up)",
        "up[5m] + 1",
        "foo{bar}",
        'up{a=~"("}',
        "atan2(up, up)",
        "up @ 100",
        "1 > 2",
        'count_values("x", up)',
        'label_join(up, "a", ",", "b")',
    ],
)
def test_bad_or_unsupported_queries_raise(evaluator: Evaluator, q: str) -> None:
    with pytest.raises(PromQLError):
        evaluator.instant(parse(q), ANCHOR)


def test_alerts_are_active_exactly_where_their_expressions_hold(
    scenario: Scenario, evaluator: Evaluator
) -> None:
    # Sampled over a whole cycle on the grid the rules were calibrated on, so the graphs
    # a user opens from an alert show the condition that fired it.
    for rule in scenario.rules:
        for offset in range(0, 600, 10):
            holds = bool(vector(evaluator, rule.expr, ANCHOR + offset))
            assert holds == (rule.state(offset) is not None), (rule.name, offset)
    firing_at_start = {
        r.labels["severity"] for r in scenario.rules if (st := r.state(0.0)) and st[0] == "firing"
    }
    assert firing_at_start == {"critical", "warning", "info"}


def test_trace_ids_round_trip_and_operations_are_listed(scenario: Scenario) -> None:
    traces = TraceGenerator(scenario)
    for k in (-5000, -1, 0, 1, 42):
        trace = traces.trace(k)
        assert traces.slot_of(trace.trace_id) == k
        assert trace.root.parent_id is None
        assert len({s.span_id for s in trace.spans}) == len(trace.spans)
        for span in trace.spans:
            assert (span.operation, span.kind) in OPERATIONS[span.service]
    assert traces.trace(3) == traces.trace(3)


def test_yesterday_is_a_calm_baseline_and_history_is_consistent(evaluator: Evaluator) -> None:
    ratio = (
        'sum(rate(http_requests_total{service="checkout",code="500"}[5m]{offset})) / '
        'sum(rate(http_requests_total{service="checkout"}[5m]{offset}))'
    )
    (today,) = vector(evaluator, ratio.replace("{offset}", "")).values()
    (yesterday,) = vector(evaluator, ratio.replace("{offset}", " offset 1d")).values()
    assert today > 0.05 > 0.01 > yesterday
    # Before the incident began recurring, and before node-3 went down, nothing fires.
    assert vector(evaluator, "ALERTS", ANCHOR - 3 * 3600) == {}
    assert vector(evaluator, "up == 0", ANCHOR - 3600) == {}
    assert [dict(k)["instance"] for k in vector(evaluator, "up == 0", ANCHOR - 3000)] == ["node-3:9100"]
    # Series start eight days back: a week-old baseline exists, older data does not.
    assert vector(evaluator, "http_requests_total offset 1w")
    assert vector(evaluator, "http_requests_total offset 9d") == {}

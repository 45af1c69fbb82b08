"""The dashboards-as-code models: what a file may say and how a mistake is caught."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from oncall_tui.config.dashboards import (
    Dashboard,
    PercentilesPanel,
    SloPanel,
    SparklinePanel,
    StatPanel,
    variable_uses,
)


def _dashboard(*panels: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"title": "T", "panels": list(panels), **extra}


def _errors(data: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        Dashboard.model_validate(data)
    return [(tuple(e["loc"]), e["type"]) for e in caught.value.errors()]


def test_a_panel_without_kind_is_a_sparkline_and_kinds_select_their_model() -> None:
    dashboard = Dashboard.model_validate(
        _dashboard(
            {"title": "rate", "queries": [{"expr": "up"}]},
            {"title": "stat", "kind": "stat", "queries": [{"expr": "up"}]},
            {"title": "lat", "kind": "percentiles", "histogram": "h"},
            {"title": "slo", "kind": "slo", "error_ratio": "x", "objective": 0.999},
            window="30m",
        )
    )
    kinds = [type(p) for p in dashboard.panels]
    assert kinds[:3] == [SparklinePanel, StatPanel, PercentilesPanel]
    assert isinstance(dashboard.panels[3], SloPanel)
    assert dashboard.panels[3].slo_window == timedelta(days=30)
    assert dashboard.window == timedelta(minutes=30)
    assert dashboard.panels[2].unit == "seconds"


def test_round_trip_through_json_dump() -> None:
    data = _dashboard(
        {"title": "lat", "kind": "apdex", "histogram": "h", "satisfied": 0.3},
        variables=[{"name": "svc", "label": "service"}],
    )
    dashboard = Dashboard.model_validate(data)
    dumped = dashboard.model_dump(mode="json", exclude_defaults=True)
    assert Dashboard.model_validate(dumped) == dashboard
    assert dashboard.panels[0].tolerating_seconds == pytest.approx(1.2)  # type: ignore[union-attr]


def test_unknown_kind_missing_query_and_bad_threshold_are_located() -> None:
    errors = _errors(
        _dashboard(
            {"title": "a", "kind": "pie"},
            {"title": "b", "kind": "stat"},
            {"title": "c", "queries": [{"expr": "up"}], "thresholds": {"warning": 2, "critical": 1}},
        )
    )
    assert (("panels", 0), "unknown_panel_kind") in errors
    assert (("panels", 1, "stat", "queries"), "missing") in errors
    assert (("panels", 2, "sparkline", "thresholds"), "value_error") in errors


def test_variables_need_exactly_one_source_and_unique_names() -> None:
    both = _errors(_dashboard({"title": "a", "queries": [{"expr": "up"}]}, variables=[{"name": "x"}]))
    assert both == [(("variables", 0), "value_error")]
    twice = [{"name": "x", "values": ["a"]}, {"name": "x", "values": ["b"]}]
    assert _errors(_dashboard({"title": "a", "queries": [{"expr": "up"}]}, variables=twice)) == [
        (("variables",), "value_error")
    ]
    builtin = [{"name": "window", "values": ["a"]}]
    assert _errors(_dashboard({"title": "a", "queries": [{"expr": "up"}]}, variables=builtin))


def test_undeclared_variables_are_found_but_regex_anchors_are_not() -> None:
    dashboard = Dashboard.model_validate(
        _dashboard(
            {"title": "a", "queries": [{"expr": 'rate(x{job=~"api$", svc="${svc}"}[$__rate_interval])'}]},
            {"title": "b", "kind": "percentiles", "histogram": "h", "selector": '{instance="$instance"}'},
            variables=[{"name": "svc", "values": ["a"]}],
        )
    )
    assert dashboard.undeclared_variables() == [(1, "selector", "instance")]
    assert list(variable_uses("$a ${b} x$ $")) == ["a", "b"]


def test_quantiles_and_objective_must_be_inside_zero_and_one() -> None:
    assert _errors(_dashboard({"title": "p", "kind": "percentiles", "histogram": "h", "quantiles": [1.5]}))
    assert _errors(_dashboard({"title": "s", "kind": "slo", "error_ratio": "x", "objective": 1}))

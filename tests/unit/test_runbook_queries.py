"""A runbook query as a dashboard panel: its grid, and a panel that says why it could not run."""

from __future__ import annotations

from datetime import UTC, datetime

from oncall_tui.services.runbook_queries import QUERY_WINDOW, plan_query, query_error, query_title

NOW = datetime(2026, 3, 11, 13, 2, tzinfo=UTC)


def test_the_plan_covers_the_last_30_minutes_one_point_per_column() -> None:
    plan = plan_query('sum(rate(x_total{job="a"}[5m]))\n  / 2', now=NOW, columns=60)
    assert plan.columns == 60 and plan.title == 'sum(rate(x_total{job="a"}[5m])) / 2'
    assert plan.end <= NOW.timestamp() and plan.end - plan.start == (60 - 1) * plan.step
    assert plan.step == QUERY_WINDOW.total_seconds() / 60
    assert [q.expr for q in plan.queries] == ['sum(rate(x_total{job="a"}[5m]))\n  / 2']


def test_a_query_that_cannot_run_is_a_panel_with_the_reason() -> None:
    data = query_error("up", "no Prometheus in this context", now=NOW, columns=10)
    assert (data.error, data.series, data.queries, data.title) == (
        "no Prometheus in this context",
        (),
        ("up",),
        query_title("up"),
    )

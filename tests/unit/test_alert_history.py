"""An alert's 24 h firing history folded from ALERTS series, and the sentence that sums it up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from oncall_tui.models.prometheus import RangeSeries
from oncall_tui.services.alert_history import describe_history, fold_history

START = datetime(2026, 3, 11, 0, 0, tzinfo=UTC)
STEP = timedelta(minutes=10)


def series(state: str, minutes: list[int]) -> RangeSeries:
    stamps = [(START + timedelta(minutes=m)).timestamp() for m in minutes]
    return RangeSeries(
        metric={"__name__": "ALERTS", "alertname": "X", "alertstate": state},
        timestamps=stamps,
        values=[1.0] * len(stamps),
    )


def test_firing_beats_pending_in_the_same_step_and_steps_outside_the_window_are_ignored() -> None:
    values = fold_history(
        [series("pending", [0, 10, 20]), series("firing", [20, 30]), series("firing", [900])], START, 6, STEP
    )
    assert values == [0.5, 0.5, 1.0, 1.0, 0.0, 0.0]


def test_the_summary_counts_separate_firing_periods_and_their_total_time() -> None:
    assert describe_history([1.0, 1.0, 0.0, 1.0, 0.5], STEP) == (
        "fired 2 times, about 30m in total over the last 24 h"
    )
    assert describe_history([0.0, 0.5], STEP) == "did not fire in the last 24 h"

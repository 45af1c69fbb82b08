"""An alert's 24 h firing history folded from ALERTS series, its firings, and the lines that sum it up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from oncall_tui.models.prometheus import RangeSeries
from oncall_tui.services.alert_history import Firing, describe_firings, firings_of, fold_history
from oncall_tui.ui.widgets.time_axis import axis_text

START = datetime(2026, 3, 11, 0, 0, tzinfo=UTC)
STEP = timedelta(minutes=10)
MIN = timedelta(minutes=1)


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


def test_each_firing_has_a_start_and_an_end_and_the_last_one_still_fires() -> None:
    values = [0.0, 1.0, 1.0, 0.0, 0.5, 1.0, 1.0]
    assert firings_of(values, START, MIN) == [
        Firing(START, START + 3 * MIN),
        Firing(START + 4 * MIN, None),
    ]


def test_the_current_firing_starts_when_the_alert_says_it_did() -> None:
    values = [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0]
    started = START + timedelta(minutes=5, seconds=20)
    assert firings_of(values, START, MIN, started)[-1] == Firing(started, None)
    # Prometheus' history has not caught up with a firing that began a moment ago: it is listed anyway.
    quiet = [0.0, 1.0, 0.0, 0.0]
    just_now = START + timedelta(minutes=3, seconds=50)
    assert firings_of(quiet, START, MIN, just_now) == [Firing(START, START + 2 * MIN), Firing(just_now, None)]


def test_the_summary_counts_firings_lists_the_newest_with_start_and_end() -> None:
    now = START + timedelta(hours=3)
    firings = [
        Firing(START + timedelta(minutes=10), START + timedelta(minutes=25)),
        Firing(now - timedelta(minutes=1), None),
    ]
    assert describe_firings(firings, now).splitlines() == [
        "fired 2 times, 16m in total over the last 24 h",
        "  since 02:59 (1m, firing now)",
        "  00:10–00:25 (15m)",
    ]
    assert describe_firings([], now) == "did not fire in the last 24 h"


def test_the_time_axis_puts_round_clock_times_where_they_fall_and_now_at_the_end() -> None:
    end = datetime(2026, 3, 11, 13, 2, tzinfo=UTC)
    line = axis_text(end - timedelta(hours=24), end, 48)
    assert len(line) == 48 and line.endswith("now")
    # 24 h over 48 columns: a mark every 4 h; 16:00 is 2 h 58 m in, near column 6 (centred on it).
    assert line.split() == ["16:00", "20:00", "00:00", "04:00", "08:00", "now"]
    assert line.index("16:00") == round(178 / 1440 * 47) - 2

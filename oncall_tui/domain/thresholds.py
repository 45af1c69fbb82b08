"""Threshold state of a value: ok, warning or critical, in the direction the panel says is bad."""

from __future__ import annotations

import math
from typing import Literal

from oncall_tui.config.dashboards import Thresholds

ThresholdState = Literal["ok", "warning", "critical", "unknown"]
"""``unknown`` when there is no value (no data, NaN) to judge."""

STATE_ORDER: dict[ThresholdState, int] = {"unknown": 0, "ok": 1, "warning": 2, "critical": 3}
"""Worst-first ordering: a panel of several series takes its worst state."""


def _breaches(value: float, level: float | None, direction: Literal["above", "below"]) -> bool:
    if level is None:
        return False
    # At the level counts as a breach, as Grafana's "base + steps" do.
    return value >= level if direction == "above" else value <= level


def state_of(value: float | None, thresholds: Thresholds | None) -> ThresholdState:
    """The state of ``value`` against ``thresholds``; ``ok`` when the panel has none."""
    if value is None or math.isnan(value):
        return "unknown"
    if thresholds is None:
        return "ok"
    if _breaches(value, thresholds.critical, thresholds.direction):
        return "critical"
    if _breaches(value, thresholds.warning, thresholds.direction):
        return "warning"
    return "ok"


def worst(states: list[ThresholdState]) -> ThresholdState:
    """The worst of several states (``unknown`` for none)."""
    return max(states, key=STATE_ORDER.__getitem__, default="unknown")

"""Unit formatting and threshold states: what a panel's value cell shows."""

from __future__ import annotations

import math

import pytest

from oncall_tui.config.dashboards import Thresholds, UnitName
from oncall_tui.domain.thresholds import state_of, worst
from oncall_tui.domain.units import UNIT_NAMES, common_scale, format_in_scale, format_value


@pytest.mark.parametrize(
    ("value", "unit", "decimals", "shown"),
    [
        (0.25, "seconds", None, "250 ms"),
        (0.0004, "seconds", None, "400 µs"),
        (1500, "ms", None, "1.50 s"),
        (90, "seconds", None, "1.50 min"),
        (7200, "seconds", 0, "2 h"),
        (3 * 86400, "seconds", 1, "3.0 d"),
        (250, "us", None, "250 µs"),
        (3 * 2**30, "bytes", None, "3 GiB"),
        (512, "bytes", None, "512 B"),
        (3_000_000, "bytes_per_second", 1, "2.9 MiB/s"),
        (12e6, "bits", None, "12 Mb"),
        (1e8, "bits_per_second", None, "100 Mb/s"),
        (1234, "reqps", None, "1.23k req/s"),
        (45, "ops", 0, "45 ops/s"),
        (0.125, "percentunit", None, "12.5%"),
        (12.5, "percent", 0, "12%"),
        (0.94, "ratio", 3, "0.940"),
        (1234, "short", None, "1.23k"),
        (2.5e9, "short", None, "2.50G"),
        (0.5, "short", None, "0.50"),
        (123456, "none", None, "123456"),
        (-0.0001, "none", None, "0"),
        (0, "seconds", None, "0 s"),
    ],
)
def test_values_are_shown_in_the_prefix_that_fits(
    value: float, unit: UnitName, decimals: int | None, shown: str
) -> None:
    assert format_value(value, unit, decimals) == shown


def test_missing_and_special_values_read_as_prometheus_spells_them() -> None:
    assert format_value(None, "seconds") == "–"
    assert format_value(math.nan, "bytes") == "NaN"
    assert format_value(math.inf, "reqps") == "+Inf"
    assert format_value(-math.inf, "short") == "-Inf"


def test_every_unit_formats_a_value() -> None:
    for unit in UNIT_NAMES:
        assert format_value(42.0, unit)[0] == "4"


def test_one_scale_fits_an_axis_of_mixed_magnitudes() -> None:
    scale = common_scale("seconds", [0.002, 0.8, 1.9, math.nan])
    assert [format_in_scale(v, scale, 2) for v in (0.002, 1.9)] == ["0.00 s", "1.90 s"]
    assert common_scale("ms", []).suffix == " s"


def test_thresholds_above_and_below() -> None:
    latency = Thresholds(warning=0.5, critical=1.0)
    assert [state_of(v, latency) for v in (0.1, 0.5, 0.9, 1.0, 3)] == [
        "ok",
        "warning",
        "warning",
        "critical",
        "critical",
    ]
    apdex = Thresholds(warning=0.9, critical=0.7, direction="below")
    assert [state_of(v, apdex) for v in (0.95, 0.9, 0.8, 0.5)] == ["ok", "warning", "warning", "critical"]
    assert state_of(5, Thresholds(critical=3)) == "critical"
    assert state_of(2, Thresholds(critical=3)) == "ok"


def test_no_value_is_unknown_and_no_thresholds_is_ok() -> None:
    assert state_of(None, Thresholds(warning=1)) == "unknown"
    assert state_of(math.nan, Thresholds(warning=1)) == "unknown"
    assert state_of(1e9, None) == "ok"
    assert worst(["ok", "critical", "warning"]) == "critical"
    assert worst([]) == "unknown"

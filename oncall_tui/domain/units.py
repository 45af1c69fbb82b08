"""Format a metric value in its unit: seconds, bytes, percent, ratio, requests/s, SI prefixes.

Pure functions. The unit names are :data:`oncall_tui.config.dashboards.UnitName`; what
each one means:

==================  ==========================================  =====================
unit                value is                                    shown as
==================  ==========================================  =====================
none                a plain number                              ``1234.5``
short               a count                                     ``1.23k``, ``4.5M``
percent             already 0–100                               ``12.5%``
percentunit         a fraction 0–1                              ``12.5%``
ratio               a fraction 0–1 (Apdex, hit ratio)           ``0.94``
seconds, ms, us,    a duration in that unit                     ``250 ms``, ``1.50 s``,
ns                                                              ``3.2 min``
bytes               bytes (IEC, as ``free -h``)                 ``1.5 GiB``
bits                bits (SI)                                   ``12 Mb``
bytes_per_second    bytes per second (IEC)                      ``3.2 MiB/s``
bits_per_second     bits per second (SI)                        ``100 Mb/s``
reqps               requests per second (SI)                    ``1.2k req/s``
ops                 operations per second (SI)                  ``45 ops/s``
==================  ==========================================  =====================

Decimals: when a panel sets none, about three significant digits are kept
(``123``, ``12.3``, ``1.23``), which fits a 10-column value cell.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import get_args

from oncall_tui.config.dashboards import UnitName

UNIT_NAMES: tuple[UnitName, ...] = get_args(UnitName)
"""Every unit, in the order the docs list them."""

_SI = ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))
_IEC = ((2.0**50, "Pi"), (2.0**40, "Ti"), (2.0**30, "Gi"), (2.0**20, "Mi"), (2.0**10, "Ki"))
_DURATION = (
    (86400.0, "d"),
    (3600.0, "h"),
    (60.0, "min"),
    (1.0, "s"),
    (1e-3, "ms"),
    (1e-6, "µs"),
    (1e-9, "ns"),
)
_TO_SECONDS = {"seconds": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}


@dataclass(frozen=True, slots=True)
class Scale:
    """One prefix for a whole axis or column: values are divided by ``divisor`` and get ``suffix``."""

    divisor: float
    """What a raw value is divided by (after conversion to the unit's base, e.g. ms → s)."""
    suffix: str
    """Text after the number, with its leading space where one belongs (``" ms"``, ``"%"``)."""
    to_base: float = 1.0
    """Factor from the panel's unit to the base the divisor applies to (ms → s is 0.001)."""

    def apply(self, value: float) -> float:
        """``value`` in this scale's units."""
        return value * self.to_base / self.divisor


def auto_decimals(value: float) -> int:
    """About three significant digits: 0 decimals from 100, 1 from 10, else 2."""
    magnitude = abs(value)
    if magnitude >= 100 or magnitude == 0:
        return 0
    if magnitude >= 10:
        return 1
    return 2


def _number(value: float, decimals: int | None) -> str:
    # Whole numbers (counts, round values) need no decimals unless the panel asks for them.
    places = (0 if value.is_integer() else auto_decimals(value)) if decimals is None else decimals
    text = f"{value:.{places}f}"
    # "-0" reads like a sign error on a dashboard.
    return "0" if text.strip("-0.") == "" and text.startswith("-") else text


def _special(value: float) -> str | None:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return None


def scale_for(unit: UnitName, magnitude: float) -> Scale:
    """The scale in which ``magnitude`` (a value of ``unit``) reads best: ``1500 ms`` → seconds."""
    magnitude = abs(magnitude) if math.isfinite(magnitude) else 0.0
    if unit in ("none", "ratio"):
        return Scale(1.0, "")
    if unit == "percent":
        return Scale(1.0, "%")
    if unit == "percentunit":
        return Scale(0.01, "%")
    if unit in _TO_SECONDS:
        to_base = _TO_SECONDS[unit]
        seconds = magnitude * to_base
        for size, name in _DURATION:
            if seconds >= size:
                return Scale(size, f" {name}", to_base)
        return Scale(1.0, " s", to_base)
    if unit in ("bytes", "bytes_per_second"):
        per = "/s" if unit == "bytes_per_second" else ""
        for size, prefix in _IEC:
            if magnitude >= size:
                return Scale(size, f" {prefix}B{per}")
        return Scale(1.0, f" B{per}")
    suffix = {"bits": "b", "bits_per_second": "b/s", "reqps": " req/s", "ops": " ops/s", "short": ""}[unit]
    for size, prefix in _SI:
        if magnitude >= size:
            return Scale(size, _si_suffix(prefix, suffix))
    if unit == "short" and 0 < magnitude < 1:
        # Counts below one are rates or fractions: keep them plain rather than "250m".
        return Scale(1.0, "")
    return Scale(1.0, _si_suffix("", suffix))


def _si_suffix(prefix: str, suffix: str) -> str:
    if suffix.startswith(" "):
        return f"{prefix}{suffix}"
    if suffix:
        return f" {prefix}{suffix}"
    return prefix


def format_value(value: float | None, unit: UnitName = "short", decimals: int | None = None) -> str:
    """``value`` in ``unit`` with a prefix that fits it: ``format_value(0.25, "seconds")`` → ``"250 ms"``.

    ``None`` (no data) is ``"–"``; NaN and ±Inf are spelled as Prometheus spells them.
    """
    if value is None:
        return "–"
    special = _special(value)
    if special is not None:
        return special
    scale = scale_for(unit, value)
    return format_in_scale(value, scale, decimals)


def format_in_scale(value: float, scale: Scale, decimals: int | None = None) -> str:
    """``value`` written in a given scale (one prefix for a whole axis or legend)."""
    special = _special(value)
    if special is not None:
        return special
    return f"{_number(scale.apply(value), decimals)}{scale.suffix}"


def common_scale(unit: UnitName, values: Iterable[float]) -> Scale:
    """One scale for many values (chart axis, min/max pair): the one that fits the largest finite value."""
    largest = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
    return scale_for(unit, largest)


def unit_label(unit: UnitName) -> str:
    """Short human name of a unit for headers and help (``req/s``, ``bytes``)."""
    return {
        "none": "",
        "short": "",
        "percent": "%",
        "percentunit": "%",
        "ratio": "ratio",
        "seconds": "s",
        "ms": "ms",
        "us": "µs",
        "ns": "ns",
        "bytes": "bytes",
        "bits": "bits",
        "bytes_per_second": "B/s",
        "bits_per_second": "b/s",
        "reqps": "req/s",
        "ops": "ops/s",
    }[unit]

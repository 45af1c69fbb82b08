"""Grafana units and thresholds → the app's unit names and ``{warning, critical, direction}``.

Pure data mapping for :mod:`oncall_tui.domain.grafana_import`. Grafana unit ids are those of
``packages/grafana-data/src/valueFormats/categories.ts``. A Grafana unit the app has no name for
is either converted exactly (the expression is scaled: ``kbytes`` → ``bytes`` times 1024) or shown
as ``none`` with a note, so the numbers on screen never claim a unit they do not have.
"""

from __future__ import annotations

import colorsys
import math
import re
from dataclasses import dataclass
from typing import Any

from oncall_tui.config.dashboards import UnitName


@dataclass(frozen=True, slots=True)
class UnitChoice:
    """How one Grafana unit is shown by the app."""

    unit: UnitName
    """The app's unit name (:data:`oncall_tui.domain.units.UNIT_NAMES`)."""
    scale: float = 1.0
    """Factor the expression (and its thresholds) is multiplied by to be in ``unit``."""
    note: str | None = None
    """Why the mapping is not exact, for the import report; None when it is."""


_EXACT: dict[str, UnitName] = {
    "none": "none",
    "short": "short",
    "locale": "short",
    "sci": "short",
    "percent": "percent",
    "percentunit": "percentunit",
    "s": "seconds",
    "dtdurations": "seconds",
    "dthms": "seconds",
    "dtdhms": "seconds",
    "clocks": "seconds",
    "ms": "ms",
    "dtdurationms": "ms",
    "clockms": "ms",
    "µs": "us",
    "us": "us",
    "ns": "ns",
    "bytes": "bytes",
    "decbytes": "bytes",
    "bits": "bits",
    "decbits": "bits",
    "Bps": "bytes_per_second",
    "binBps": "bytes_per_second",
    "decBps": "bytes_per_second",
    "bps": "bits_per_second",
    "decbps": "bits_per_second",
    "reqps": "reqps",
    "ops": "ops",
}

_SCALED: dict[str, tuple[UnitName, float]] = {
    "m": ("seconds", 60.0),
    "h": ("seconds", 3600.0),
    "d": ("seconds", 86400.0),
    "timeticks": ("seconds", 0.01),
    "kbytes": ("bytes", 1024.0),
    "mbytes": ("bytes", 1024.0**2),
    "gbytes": ("bytes", 1024.0**3),
    "tbytes": ("bytes", 1024.0**4),
    "pbytes": ("bytes", 1024.0**5),
    "deckbytes": ("bytes", 1e3),
    "decmbytes": ("bytes", 1e6),
    "decgbytes": ("bytes", 1e9),
    "dectbytes": ("bytes", 1e12),
    "decpbytes": ("bytes", 1e15),
    "KBs": ("bytes_per_second", 1e3),
    "MBs": ("bytes_per_second", 1e6),
    "GBs": ("bytes_per_second", 1e9),
    "TBs": ("bytes_per_second", 1e12),
    "PBs": ("bytes_per_second", 1e15),
    "Kbits": ("bits_per_second", 1e3),
    "Mbits": ("bits_per_second", 1e6),
    "Gbits": ("bits_per_second", 1e9),
    "Tbits": ("bits_per_second", 1e12),
    "Pbits": ("bits_per_second", 1e15),
    "opm": ("ops", 1 / 60),
    "cpm": ("ops", 1 / 60),
    "rpm": ("ops", 1 / 60),
    "wpm": ("ops", 1 / 60),
}

_PER_SECOND_COUNTS = {
    "pps": "packets/s",
    "iops": "I/O ops/s",
    "cps": "counts/s",
    "rps": "reads/s",
    "wps": "writes/s",
}
"""Per-second counts the app shows as ``ops`` (ops/s): same dimension, another word."""


def map_unit(grafana_unit: object) -> UnitChoice | None:
    """The app's unit for a Grafana unit id; None when the panel sets none (keep the file's default)."""
    if grafana_unit is None or grafana_unit == "":
        return None
    if not isinstance(grafana_unit, str):
        return UnitChoice("none", note=f"unit {grafana_unit!r} is not a unit id; shown without a unit")
    if grafana_unit in _EXACT:
        return UnitChoice(_EXACT[grafana_unit])
    if grafana_unit in _SCALED:
        unit, scale = _SCALED[grafana_unit]
        return UnitChoice(unit, scale, f'unit "{grafana_unit}" converted to {unit} (expression × {scale:g})')
    if grafana_unit in _PER_SECOND_COUNTS:
        what = _PER_SECOND_COUNTS[grafana_unit]
        return UnitChoice("ops", note=f'unit "{grafana_unit}" ({what}) shown as ops/s')
    return UnitChoice("none", note=f'unit "{grafana_unit}" has no equivalent; shown without a unit')


def scale_expr(expr: str, scale: float) -> str:
    """``expr`` multiplied by ``scale`` (unchanged for 1); parenthesised so precedence holds."""
    if scale == 1.0:
        return expr
    if scale < 1.0 and (1 / scale).is_integer():
        return f"({expr}) / {int(1 / scale)}"
    return f"({expr}) * {scale:g}"


# --- thresholds ---------------------------------------------------------------------------------

OK, WARNING, CRITICAL = 0, 1, 2
"""Severity of a threshold step's colour."""

_NAMED_COLOURS = {
    "green": OK,
    "blue": OK,
    "yellow": WARNING,
    "orange": WARNING,
    "red": CRITICAL,
    "purple": CRITICAL,
}
_RGB = re.compile(r"rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)")
_HEX = re.compile(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")


def colour_severity(colour: object) -> int | None:
    """OK/WARNING/CRITICAL for a Grafana colour (``"dark-red"``, ``"#EAB839"``, ``"rgba(…)"``), or None.

    Grafana thresholds carry no meaning but their colour; the hue is what an engineer reads.
    """
    if not isinstance(colour, str):
        return None
    text = colour.strip().lower()
    for name, severity in _NAMED_COLOURS.items():
        if text == name or text.endswith("-" + name):
            return severity
    rgb: tuple[int, int, int] | None = None
    if m := _RGB.match(text):
        rgb = (int(m[1]), int(m[2]), int(m[3]))
    elif m := _HEX.match(text):
        digits = m[1] if len(m[1]) == 6 else "".join(c * 2 for c in m[1])
        rgb = (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))
    if rgb is None:
        return None
    hue, _light, sat = colorsys.rgb_to_hls(*(min(c, 255) / 255 for c in rgb))
    if sat < 0.2:
        return None  # grey/white/black: no verdict
    degrees = hue * 360
    if degrees < 15 or degrees >= 330:
        return CRITICAL
    if degrees < 70:
        return WARNING
    return OK if degrees < 260 else CRITICAL


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    f = float(value)
    return f if math.isfinite(f) else None


def thresholds_from_steps(steps: object, scale: float = 1.0) -> dict[str, Any] | None:
    """``fieldConfig.defaults.thresholds.steps`` → ``{warning?, critical?, direction}`` or None.

    Steps are ``[{color, value}]`` where the first step (value null) is the base. Severities rising
    with the value mean ``above``; falling (red base, green at the top) mean ``below``, and then the
    boundary of a level is where the colour stops being that bad.
    """
    if not isinstance(steps, list):
        return None
    graded: list[tuple[float, int]] = []
    base: int | None = None
    for index, step in enumerate(steps):
        if not isinstance(step, dict):
            continue
        severity = colour_severity(step.get("color"))
        value = _number(step.get("value"))
        if value is None:
            if index == 0:
                base = severity
            continue
        if severity is not None:
            graded.append((value * scale, severity))
    graded.sort(key=lambda pair: pair[0])
    if not graded:
        return None
    if base is None:
        base = OK
    worst = max([base] + [s for _v, s in graded])
    if worst == OK:
        return None
    result: dict[str, Any] = {}
    if graded[-1][1] == worst:
        # The top of the scale is the worst: a level starts at the first step that reaches it.
        for value, severity in graded:
            if severity == CRITICAL and "critical" not in result:
                result["critical"] = value
            elif severity == WARNING and "warning" not in result and "critical" not in result:
                result["warning"] = value
        result["direction"] = "above"
    else:
        # The top is better than the worst: a level holds below the first step that is better than it.
        current = base
        for value, severity in graded:
            if current == CRITICAL and severity < CRITICAL and "critical" not in result:
                result["critical"] = value
            if current >= WARNING and severity == OK and "warning" not in result:
                result["warning"] = value
            current = severity
        if result.get("warning") == result.get("critical"):
            result.pop("warning", None)
        result["direction"] = "below"
    if "warning" not in result and "critical" not in result:
        return None
    return result


def thresholds_from_legacy_graph(thresholds: object, scale: float = 1.0) -> dict[str, Any] | None:
    """A legacy ``graph`` panel's ``thresholds`` (``[{value, op: gt|lt, colorMode}]``) → the app's form."""
    if not isinstance(thresholds, list):
        return None
    result: dict[str, Any] = {}
    direction: str | None = None
    for item in thresholds:
        if not isinstance(item, dict):
            continue
        value = _number(item.get("value"))
        op = item.get("op")
        mode = item.get("colorMode")
        if value is None or op not in ("gt", "lt"):
            continue
        level = {"warning": "warning", "critical": "critical", "custom": "critical"}.get(str(mode))
        if level is None or level in result:
            continue
        this_direction = "above" if op == "gt" else "below"
        if direction is not None and this_direction != direction:
            continue
        direction = this_direction
        result[level] = value * scale
    if direction is None:
        return None
    result["direction"] = direction
    return result


def thresholds_from_singlestat(
    thresholds: object, colours: object, scale: float = 1.0
) -> dict[str, Any] | None:
    """Legacy ``singlestat``: ``thresholds = "80,90"`` with ``colors = [ok, warn, crit]`` (or reversed)."""
    if not isinstance(thresholds, str) or not thresholds.strip():
        return None
    values: list[float] = []
    for part in thresholds.split(","):
        try:
            number = float(part.strip())
        except ValueError:
            return None
        if not math.isfinite(number):
            return None
        values.append(number * scale)
    if len(values) != 2 or values[0] > values[1]:
        return None
    first = colour_severity(colours[0]) if isinstance(colours, list) and colours else OK
    if first == CRITICAL:
        return {"critical": values[0], "warning": values[1], "direction": "below"}
    return {"warning": values[0], "critical": values[1], "direction": "above"}

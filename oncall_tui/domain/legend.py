"""Series names from legend templates, and the top-N cap of a panel's series."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

T = TypeVar("T")

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}")


def series_name(labels: Mapping[str, str]) -> str:
    """Prometheus's own spelling of a series: ``name{a="1", b="2"}`` (``{}`` for no labels)."""
    name = labels.get("__name__", "")
    pairs = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__")
    if name and not pairs:
        return name
    return f"{name}{{{pairs}}}"


def render_legend(template: str, labels: Mapping[str, str]) -> str:
    """Fill a Grafana-style template (``{{service}} {{code}}``); a missing label is empty.

    An empty template (or one that renders to nothing) names the series by its labels.
    """
    if not template.strip():
        return series_name(labels)
    text = _PLACEHOLDER.sub(lambda m: labels.get(m.group(1), ""), template)
    return " ".join(text.split()) or series_name(labels)


def top_n(items: Sequence[T], limit: int, current: Callable[[T], float | None]) -> tuple[list[T], int]:
    """The ``limit`` items with the highest current value, highest first, and how many were dropped.

    Items without a value (None, NaN) come last; ties keep the input order, so a refresh
    does not shuffle equal series.
    """

    def key(index: int) -> tuple[bool, float, int]:
        value = current(items[index])
        missing = value is None or math.isnan(value)
        return (missing, 0.0 if missing or value is None else -value, index)

    ranked = sorted(range(len(items)), key=key)
    return [items[i] for i in ranked[:limit]], max(0, len(items) - limit)

"""The demo's series and label sets: a leaf shared by the scenario and the PromQL evaluator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

SCRAPE_INTERVAL = 15.0
"""Seconds between the synthetic samples raw range selectors return."""
Labels = tuple[tuple[str, str], ...]
"""A label set as sorted ``(name, value)`` pairs (hashable, ordered like Prometheus sorts)."""


def labels_of(**pairs: str) -> Labels:
    """A sorted label tuple from keyword arguments (``__name__`` passed as ``name_``)."""
    items = {("__name__" if k == "name_" else k): v for k, v in pairs.items()}
    return tuple(sorted(items.items()))


@dataclass(frozen=True)
class Series:
    """One synthetic time series: its labels and its value as a function of unix time."""

    labels: Labels
    """Label set including ``__name__``."""
    fn: Callable[[float], float | None]
    """Value at a unix time, or None where the series has no sample."""
    counter: bool = False
    """True for monotonically increasing counters."""

    @property
    def name(self) -> str:
        """The metric name (``__name__``)."""
        return dict(self.labels).get("__name__", "")


__all__ = ["SCRAPE_INTERVAL", "Labels", "Series", "labels_of"]

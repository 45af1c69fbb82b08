"""Severity rank, response timers and the queue's sort order.

Ranks: the configured ``severity_order`` (default critical > warning > info), highest
first; any other label value, or no label, is ``none`` and ranks below all of them.

Queue order: highest severity first; within a severity, **oldest first** (the alert
that has been firing longest, which is closest to or furthest past its response
target, is at the top); ties broken by fingerprint so the order is stable between polls.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from oncall_tui.config.alerting import AlertSettings, ResponseTimer
from oncall_tui.models.alertmanager import Alert

NONE = "none"
"""Severity of an alert whose label is missing or not a configured value."""


@dataclass(frozen=True, slots=True)
class ResponseTimers:
    """Where one alert stands against its severity's response targets at ``now``."""

    severity: str
    """Canonical severity name (``none`` when unranked)."""
    firing_for: timedelta
    """Time since the alert started firing (never negative)."""
    investigate_target: timedelta | None
    """Configured time to start investigating; None = no target."""
    resolve_target: timedelta | None
    """Configured time to resolve; None = no target."""
    investigate_left: timedelta | None
    """Time left to start investigating (negative once overdue); None = no target or already acked."""
    resolve_left: timedelta | None
    """Time left to resolve (negative once overdue); None = no target."""

    @property
    def investigate_overdue(self) -> bool:
        """The investigate target passed without an ack."""
        return self.investigate_left is not None and self.investigate_left <= timedelta(0)

    @property
    def resolve_overdue(self) -> bool:
        """The alert is still firing past its resolve target."""
        return self.resolve_left is not None and self.resolve_left <= timedelta(0)

    @property
    def overdue(self) -> bool:
        """Either target is missed."""
        return self.investigate_overdue or self.resolve_overdue


class SeverityPolicy:
    """The configured severity scale and response timers, with fast per-alert lookups."""

    __slots__ = ("label", "order", "timers", "_by_value")

    def __init__(
        self,
        label: str = "severity",
        order: tuple[str, ...] = ("critical", "warning", "info"),
        aliases: Mapping[str, str] | None = None,
        timers: Mapping[str, ResponseTimer] | None = None,
    ) -> None:
        self.label = label
        """Label whose value ranks an alert."""
        self.order = tuple(name.lower() for name in order)
        """Severity names, highest first (``none`` implied below them)."""
        self.timers = {name.lower(): timer for name, timer in (timers or {}).items()}
        """Response targets per severity name."""
        top = len(self.order)
        by_value = {name: (name, top - i) for i, name in enumerate(self.order)}
        for alias, target in (aliases or {}).items():
            by_value[alias.lower()] = by_value[target.lower()]
        self._by_value = by_value

    @classmethod
    def from_settings(cls, settings: AlertSettings) -> SeverityPolicy:
        """The policy of ``[alerts]``."""
        return cls(
            settings.severity_label,
            tuple(settings.severity_order),
            settings.severity_aliases,
            settings.response_timers,
        )

    def classify(self, labels: Mapping[str, str]) -> tuple[str, int]:
        """``(severity name, rank)`` of a label set; rank 0 is ``none``, higher is more severe."""
        value = labels.get(self.label)
        if value is None:
            return NONE, 0
        return self._by_value.get(value.lower(), (NONE, 0))

    def severity_of(self, labels: Mapping[str, str]) -> str:
        """Canonical severity name of a label set."""
        return self.classify(labels)[0]

    def rank_of(self, labels: Mapping[str, str]) -> int:
        """Rank of a label set: ``len(order)`` for the highest severity, 0 for ``none``."""
        return self.classify(labels)[1]

    def rank(self, severity: str) -> int:
        """Rank of a canonical severity name."""
        return self._by_value.get(severity.lower(), (NONE, 0))[1]

    def names(self) -> tuple[str, ...]:
        """Every severity name, highest first, ending with ``none``."""
        return (*self.order, NONE)

    def sort_key(self, alert: Alert) -> tuple[int, float, str]:
        """Queue order: severity rank descending, then oldest first, then fingerprint."""
        return (-self.classify(alert.labels)[1], alert.starts_at.timestamp(), alert.fingerprint)

    def timers_for(self, alert: Alert, now: datetime, *, acked: bool = False) -> ResponseTimers:
        """Response timers of ``alert`` at ``now``; an acked alert has met its investigate target."""
        severity = self.severity_of(alert.labels)
        firing_for = max(now - alert.starts_at, timedelta(0))
        timer = self.timers.get(severity)
        investigate = timer.investigate if timer else None
        resolve = timer.resolve if timer else None
        return ResponseTimers(
            severity=severity,
            firing_for=firing_for,
            investigate_target=investigate,
            resolve_target=resolve,
            investigate_left=None if investigate is None or acked else investigate - firing_for,
            resolve_left=None if resolve is None else resolve - firing_for,
        )

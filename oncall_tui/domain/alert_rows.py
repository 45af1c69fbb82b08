"""The queue's row types: one alert, one group header. A leaf, so rules over rows import no queue code.

Built by :func:`oncall_tui.domain.alert_queue.prepare`; read by the escalation rules
(:mod:`oncall_tui.domain.escalation`), the actions and the UI.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from oncall_tui.domain.silences import SilenceInfo
from oncall_tui.models.alertmanager import Alert


class AlertState(Enum):
    """What the queue says about an alert's suppression."""

    ACTIVE = "active"
    SILENCED = "silenced"
    INHIBITED = "inhibited"
    MUTED = "muted"


@dataclass(frozen=True, slots=True)
class AlertRow:
    """One alert in the queue."""

    key: str
    """Stable row key: the fingerprint."""
    alert: Alert
    """The alert itself."""
    group_key: str
    """Key of the Alertmanager group the alert is shown in (also the incident's group key)."""
    group_labels: Mapping[str, str]
    """Group-by labels of that Alertmanager group."""
    severity: str
    """Canonical severity name."""
    rank: int
    """Severity rank (0 = none)."""
    state: AlertState
    """Active, or what suppresses it."""
    silences: tuple[SilenceInfo, ...]
    """Silences covering the alert (known ones), the app's acks first."""
    sort_key: tuple[int, float, str]
    """Queue order within a group."""

    @property
    def fingerprint(self) -> str:
        return self.alert.fingerprint

    @property
    def acks(self) -> tuple[SilenceInfo, ...]:
        """The app's own silences covering the alert (its acks)."""
        return tuple(s for s in self.silences if s.is_ack)

    @property
    def has_ack(self) -> bool:
        """Covered by one of the app's own silences (cheap: :func:`prepare` puts acks first)."""
        return bool(self.silences) and self.silences[0].is_ack

    @property
    def is_active(self) -> bool:
        """Nothing suppresses it."""
        return self.state is AlertState.ACTIVE

    @property
    def is_acked(self) -> bool:
        """Silenced by anyone: someone has taken the alert."""
        return self.state is AlertState.SILENCED


@dataclass(frozen=True, slots=True)
class GroupRow:
    """A group header: its label values, counts, and its alerts in order."""

    key: str
    """Stable row key (``group:`` prefix, never equal to a fingerprint)."""
    labels: Mapping[str, str]
    """Labels shared by the group (the group-by labels)."""
    receiver: str | None
    """Alertmanager receiver, when grouped as Alertmanager does."""
    alerts: tuple[AlertRow, ...]
    """Alerts in queue order."""
    severity: str
    """Highest severity in the group."""
    rank: int
    """Highest rank in the group."""
    counts: Mapping[str, int]
    """Alerts per severity name."""
    oldest: datetime
    """Start of the longest-firing alert."""

    @property
    def acted_on(self) -> tuple[AlertRow, ...]:
        """What an ack or escalation of the whole group is about: its active alerts, else all of them."""
        return tuple(r for r in self.alerts if r.state is AlertState.ACTIVE) or self.alerts

    @property
    def title(self) -> str:
        """``alertname="X", cluster="y"`` style label text for the header."""
        return ", ".join(f"{k}={v}" for k, v in self.labels.items()) or "(no labels)"


__all__ = ["AlertRow", "AlertState", "GroupRow"]

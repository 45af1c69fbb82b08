"""How the alert screens say things: severity colours, time left, who and where, the render context.

Shared by the alert table, the alert detail pane and the Alerts and Silences screens, so a
severity or a countdown reads the same everywhere. Colours come only from theme variables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from oncall_tui.config.alerting import AlertSettings
from oncall_tui.domain.alert_rows import GroupRow
from oncall_tui.domain.escalation import current_level, escalation_countdown, next_level, select_policy
from oncall_tui.domain.severity import SeverityPolicy
from oncall_tui.services.alert_state import AlertFeedState
from oncall_tui.ui.resolution import RESOLUTION, format_age

FAR_FUTURE = timedelta(days=365)
"""Silences longer than this show ``∞`` as their time left."""


def severity_variable(rank: int, policy: SeverityPolicy) -> str:
    """Theme variable of a rank: the top three configured severities map to critical/warning/info."""
    if rank <= 0:
        return "severity-none"
    position = len(policy.order) - rank
    return ("severity-critical", "severity-warning", "severity-info")[min(position, 2)]


def short_left(delta: timedelta) -> str:
    """Time left, compact; ``∞`` for silences that practically never end."""
    if delta >= FAR_FUTURE:
        return "∞"
    return format_age(delta)


def countdown_text(delta: timedelta) -> str:
    """``4m05s`` below ten minutes (it moves visibly), else the compact age."""
    seconds = int(delta.total_seconds())
    if 0 <= seconds < 600 and not RESOLUTION.minutes:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return format_age(delta)


def who(user: str) -> str:
    """``alice@laptop`` -> ``alice``: the part that fits a table cell."""
    return user.split("@", 1)[0] or user


def where_of(labels: Mapping[str, str]) -> str:
    """The label that tells alerts of one name apart: instance, then service, job, pod, host."""
    for name in ("instance", "service", "job", "pod", "host", "cluster"):
        value = labels.get(name)
        if value:
            return value
    return ""


@dataclass(slots=True)
class RowContext:
    """Everything cell rendering needs besides the row, computed once per refresh."""

    now: datetime
    """Current time."""
    state: AlertFeedState
    """Feed state (pending actions, escalations, new arrivals)."""
    policy: SeverityPolicy
    """Severity policy."""
    settings: AlertSettings
    """``[alerts]`` (escalation policies)."""
    colours: Mapping[str, str]
    """Theme variables."""
    am_groups: Mapping[str, GroupRow]
    """Alertmanager groups (active alerts) by key: what escalates by itself."""
    selected: set[str]
    """Selected fingerprints."""
    collapsed: set[str]
    """Collapsed group keys."""
    _countdowns: dict[str, tuple[timedelta, str] | None] = field(default_factory=dict)

    def colour(self, variable: str) -> str:
        return self.colours.get(variable, "")

    def countdown(self, group_key: str) -> tuple[timedelta, str] | None:
        """(time left, next level's name) before the Alertmanager group escalates by itself."""
        if group_key in self._countdowns:
            return self._countdowns[group_key]
        result: tuple[timedelta, str] | None = None
        group = self.am_groups.get(group_key)
        if group is not None:
            chosen = select_policy(self.settings, (r.alert for r in group.alerts))
            if chosen is not None:
                policy = chosen[1]
                state = self.state.escalations.get(group_key)
                left = escalation_countdown(group, state, policy, self.now, len(self.policy.order))
                following = next_level(policy, current_level(state))
                if left is not None and following is not None:
                    result = (left, following[1].name)
        self._countdowns[group_key] = result
        return result


__all__ = [
    "FAR_FUTURE",
    "RowContext",
    "countdown_text",
    "severity_variable",
    "short_left",
    "where_of",
    "who",
]

"""Automatic escalation: which policy applies to a group, how long until it escalates, what is due now.

Pure functions over queue groups (:class:`~oncall_tui.domain.alert_rows.GroupRow`) and
what the incident log says about each group (:class:`EscalationState`); the service
(:mod:`oncall_tui.services.escalations`) reads the states and performs the escalations.

Only groups with an active (not silenced or inhibited) alert of the highest severity
escalate by themselves, and only while nobody has acknowledged their incident.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from oncall_tui.config.alerting import AlertSettings, EscalationLevel, EscalationPolicy
from oncall_tui.domain.alert_rows import AlertRow, GroupRow
from oncall_tui.domain.matchers import parse_matchers, selects
from oncall_tui.models.alertmanager import Alert


@dataclass(frozen=True, slots=True)
class EscalationState:
    """What the incident log says about one group's escalation."""

    incident_id: int | None
    """Open incident of the group, if any."""
    level: int
    """Current step (0 = first level; counts repeats)."""
    reached_at: datetime | None
    """When the current step was reached; None for step 0 (its clock starts when the alerts fired)."""
    acknowledged: bool
    """Someone is on it (incident acknowledged or mitigated): no automatic escalation."""


@dataclass(frozen=True, slots=True)
class DueEscalation:
    """An automatic escalation whose time has come."""

    group: GroupRow
    """The group to escalate."""
    policy: str
    """Policy name."""
    from_level: int
    """Current step."""
    to_level: int
    """Step to move to."""
    overdue_by: timedelta
    """How late it is (0 when exactly on time)."""


def select_policy(settings: AlertSettings, alerts: Iterable[Alert]) -> tuple[str, EscalationPolicy] | None:
    """The first policy (in config order) whose ``match`` selects one of ``alerts``, else the default.

    A policy without ``match`` selects every alert.
    """
    labels = [a.labels for a in alerts]
    for name, policy in settings.escalation_policies.items():
        matchers = parse_matchers(policy.match) if policy.match is not None else []
        if any(selects(matchers, item) for item in labels):
            return name, policy
    default = settings.default_escalation_policy
    if default is not None:
        return default, settings.escalation_policies[default]
    return None


def _critical(group: GroupRow, top_rank: int) -> list[AlertRow]:
    return [r for r in group.alerts if r.rank == top_rank and r.is_active]


def escalates_by_itself(group: GroupRow, top_rank: int) -> bool:
    """The group has an active alert of the highest severity: the only kind that escalates by itself.

    Whether it does also depends on its incident (:func:`escalation_countdown`); groups failing
    this need no incident-log lookup at all.
    """
    return any(r.rank == top_rank and r.is_active for r in group.alerts)


def current_level(state: EscalationState | None) -> int:
    """The step a group's incident is at (0 = the policy's first level; no incident yet = 0)."""
    return state.level if state is not None else 0


def next_level(policy: EscalationPolicy, current: int) -> tuple[int, EscalationLevel] | None:
    """The step after ``current`` and its level, as the next escalation reaches it; None at the last one."""
    step = current + 1
    if step >= policy.steps():
        return None
    return step, policy.level_at(step)


def escalation_countdown(
    group: GroupRow, state: EscalationState | None, policy: EscalationPolicy, now: datetime, top_rank: int
) -> timedelta | None:
    """Time left before ``group`` escalates by itself (negative = due); None when it will not.

    Only groups with an active (not silenced or inhibited) alert of the highest severity
    escalate by themselves, and only while nobody has acknowledged their incident.
    """
    critical = _critical(group, top_rank)
    if not critical or (state is not None and state.acknowledged):
        return None
    level = current_level(state)
    if next_level(policy, level) is None:
        return None
    if state is not None and state.reached_at is not None and level > 0:
        since = state.reached_at
    else:
        since = min(r.alert.starts_at for r in critical)
    return since + policy.level_at(level).delay - now


def due_escalations(
    groups: Iterable[GroupRow],
    states: Mapping[str, EscalationState],
    settings: AlertSettings,
    now: datetime,
    top_rank: int,
) -> list[DueEscalation]:
    """Groups whose un-acked critical alerts have waited past their level's delay."""
    due: list[DueEscalation] = []
    for group in groups:
        if not escalates_by_itself(group, top_rank):
            continue  # cheap test first: select_policy parses matchers
        chosen = select_policy(settings, (r.alert for r in group.alerts))
        if chosen is None:
            continue
        name, policy = chosen
        state = states.get(group.key)
        left = escalation_countdown(group, state, policy, now, top_rank)
        if left is None or left > timedelta(0):
            continue
        level = current_level(state)
        due.append(DueEscalation(group, name, level, level + 1, -left))
    return due


__all__ = [
    "current_level",
    "next_level",
    "DueEscalation",
    "EscalationState",
    "due_escalations",
    "escalates_by_itself",
    "escalation_countdown",
    "select_policy",
]

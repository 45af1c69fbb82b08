"""When an incident's alerts resolve: wait out a grace period, then resolve it; a re-fire re-joins it.

Pure rules over what the incident log says about each open incident (:class:`OpenIncident`) and
which alert groups the latest successful poll saw firing. The service applies the decisions
(timeline entries, status change) and the next firing of a resolved incident's group opens a
new incident, whose escalation starts at the first level from that firing's start.

The log itself remembers when the alerts went quiet (a ``alerts_resolved`` timeline entry),
so the grace period survives an app restart; an incident whose alerts resolved while the app
was not running counts as quiet from the first poll that sees it so.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from oncall_tui.domain.durations import format_age

ALERTS_RESOLVED = "alerts_resolved"
"""Timeline kind: every alert of the incident's group resolved; the grace period starts."""
ALERTS_REFIRED = "alerts_refired"
"""Timeline kind: an alert fired again within the grace period; the incident continues."""
AUTO_RESOLVED = "auto_resolved"
"""Timeline kind: the grace period passed with no alert firing; the incident is resolved."""


class Step(StrEnum):
    """What to do about one open incident after a poll."""

    QUIET = "quiet"
    """Its alerts all resolved: note it, the grace period starts."""
    REJOIN = "rejoin"
    """An alert fired again within the grace period: note it, the incident continues."""
    RESOLVE = "resolve"
    """The grace period passed: resolve the incident."""


@dataclass(frozen=True, slots=True)
class OpenIncident:
    """An open incident as the lifecycle sees it."""

    incident_id: int
    """Its id."""
    group_key: str
    """The alert group it tracks."""
    quiet_since: datetime | None
    """When its alerts were noted all resolved (the latest ``alerts_resolved`` not followed by a re-fire)."""


@dataclass(frozen=True, slots=True)
class Decision:
    """One step for one incident, and the line the timeline gets."""

    incident_id: int
    """The incident."""
    step: Step
    """What to do."""
    text: str
    """The timeline line (and, for RESOLVE, the status change note)."""


def quiet_since(kinds_and_times: Iterable[tuple[str, datetime]]) -> datetime | None:
    """From an incident's timeline (kind, time) in order: when its alerts went quiet, if they still are."""
    since: datetime | None = None
    for kind, at in kinds_and_times:
        if kind == ALERTS_RESOLVED:
            since = since or at
        elif kind == ALERTS_REFIRED:
            since = None
    return since


def lifecycle_decisions(
    incidents: Sequence[OpenIncident], firing_groups: Collection[str], now: datetime, grace: timedelta
) -> list[Decision]:
    """What each open incident needs after a poll that saw ``firing_groups`` (keys of groups with alerts)."""
    decisions = []
    for incident in incidents:
        firing = incident.group_key in firing_groups
        since = incident.quiet_since
        if firing and since is not None:
            decisions.append(
                Decision(
                    incident.incident_id,
                    Step.REJOIN,
                    f"alerts fired again {format_age(now - since)} after resolving (within the "
                    f"{format_age(grace)} grace period): the incident continues",
                )
            )
        elif not firing and since is None:
            step = Step.RESOLVE if grace <= timedelta(0) else Step.QUIET
            wait = f"resolves by itself in {format_age(grace)} unless one fires again"
            text = "resolved automatically" if step is Step.RESOLVE else wait
            decisions.append(Decision(incident.incident_id, step, f"all alerts resolved: {text}"))
        elif not firing and since is not None and now - since >= grace:
            decisions.append(
                Decision(
                    incident.incident_id,
                    Step.RESOLVE,
                    f"resolved automatically: no alert fired for {format_age(now - since)}",
                )
            )
    return decisions

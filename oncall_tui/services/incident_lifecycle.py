"""After each successful poll: resolve incidents whose alerts all stayed resolved for the grace period.

Applies :func:`oncall_tui.domain.incident_lifecycle.lifecycle_decisions` to the open incidents of
one context: notes in the timeline when a group's alerts all resolved (the grace period starts)
or fire again within it (the incident continues), and resolves the incident once the grace
period has passed. A resolved incident stops escalating (escalation only follows open
incidents); the group's next firing opens a new incident, at the first level, its countdown
from that firing's start.

Blocking (SQLite): call :meth:`IncidentLifecycle.after_poll` from a worker thread.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from oncall_tui.clock import Clock
from oncall_tui.domain.incident_lifecycle import (
    ALERTS_REFIRED,
    ALERTS_RESOLVED,
    Decision,
    OpenIncident,
    Step,
    lifecycle_decisions,
    quiet_since,
)
from oncall_tui.models.incident import IncidentStatus
from oncall_tui.store.incidents import APP_ACTOR, IncidentLog

NOT_ALERT_GROUPS = ("silence:",)
"""Group-key prefixes of incidents that track no alert group (silences made on the Silences screen)."""


class IncidentLifecycle:
    """Resolves a context's incidents whose alerts resolved, after a grace period."""

    def __init__(self, log: IncidentLog, clock: Clock, context: str, grace: timedelta) -> None:
        self._log = log
        self._clock = clock
        self._prefix = f"{context}/" if context else ""
        self._grace = grace

    def open_incidents(self) -> list[OpenIncident]:
        """This context's open incidents of alert groups, with when their alerts went quiet."""
        found = []
        for incident in self._log.list_incidents(open_only=True):
            key = incident.group_key
            if key is None or not key.startswith(self._prefix):
                continue
            group_key = key[len(self._prefix) :]
            if group_key.startswith(NOT_ALERT_GROUPS) or (not self._prefix and "/" in key.split("{", 1)[0]):
                # Another context's incident (``ctx/…``) seen from a context-less log, or not a group.
                continue
            timeline = self._log.timeline(incident.id)
            found.append(OpenIncident(incident.id, group_key, quiet_since((e.kind, e.at) for e in timeline)))
        return found

    def after_poll(self, firing_groups: Collection[str]) -> list[Decision]:
        """Apply the lifecycle after a poll that saw alerts in ``firing_groups`` (Alertmanager group keys)."""
        now = self._clock.now()
        decisions = lifecycle_decisions(self.open_incidents(), firing_groups, now, self._grace)
        for decision in decisions:
            if decision.step is Step.RESOLVE:
                self._log.set_status(decision.incident_id, IncidentStatus.RESOLVED, APP_ACTOR, decision.text)
            else:
                kind = ALERTS_RESOLVED if decision.step is Step.QUIET else ALERTS_REFIRED
                self._log.append(
                    decision.incident_id, kind, decision.text, APP_ACTOR, {"at": now.isoformat()}
                )
        return decisions

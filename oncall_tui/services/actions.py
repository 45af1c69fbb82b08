"""What the engineer does to alerts: ack, unack, escalate, and silence changes — one facade.

Every action is logged first, then acted on, through the engine in
:mod:`oncall_tui.services.action_engine` (where the path is described); the actions themselves
live in :mod:`~oncall_tui.services.acks`, :mod:`~oncall_tui.services.escalations` and
:mod:`~oncall_tui.services.silence_changes`. ``AlertActions`` wires them for one context (its
Alertmanager): every outbox item it enqueues records that context, so what waits in the outbox is
retried only by that context's drain (escalation notifications excepted: notifiers are app-wide,
see ``outbox_drain``).

Bad input (a mistyped duration, an end in the past) is rejected before anything is recorded; it
is logged in the group's incident only if one is already open.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from oncall_tui.clients.notify import Notifier
from oncall_tui.clock import Clock
from oncall_tui.config.alerting import AlertSettings
from oncall_tui.domain.durations import ack_end
from oncall_tui.domain.severity import SeverityPolicy
from oncall_tui.domain.silences import UNTIL_RESOLVED_PREFIX
from oncall_tui.models.incident import OutboxItem
from oncall_tui.services.acks import Acks
from oncall_tui.services.action_engine import ActionEngine, ActionResult, ActionStatus
from oncall_tui.services.alert_target import AlertTarget
from oncall_tui.services.escalations import Escalations
from oncall_tui.services.outbox_drain import Backoff, Deliverer, SilenceApi
from oncall_tui.services.silence_changes import SilenceChanges
from oncall_tui.store.db import Database
from oncall_tui.store.incidents import IncidentLog
from oncall_tui.store.outbox import DEFAULT_LEASE, Outbox


class AlertActions:
    """Ack, unack, escalate and silence changes, logged first and delivered through the outbox."""

    def __init__(
        self,
        db: Database,
        am: SilenceApi,
        *,
        settings: AlertSettings,
        user: str,
        clock: Clock,
        notifier: Notifier | None = None,
        backoff: Backoff | None = None,
        lease: timedelta = DEFAULT_LEASE,
        context: str | None = None,
    ) -> None:
        self.engine = ActionEngine(
            db, Deliverer(am, notifier), user=user, clock=clock, backoff=backoff, lease=lease, context=context
        )
        """The log-then-act engine of this context (for actions beyond these: notes, status changes)."""
        self.policy = SeverityPolicy.from_settings(settings)
        """Severity policy of ``settings``."""
        self.acks = Acks(self.engine, settings.ack)
        """Ack and unack."""
        self.escalations = Escalations(self.engine, settings, self.policy)
        """Manual and automatic escalation."""
        self.silences = SilenceChanges(self.engine, settings.ack.default_duration)
        """Create, extend and expire silences."""
        # The actions themselves, as the screens and the ack keeper call them.
        self.ack = self.acks.ack
        """Silence exactly a target's alerts (:meth:`Acks.ack`)."""
        self.unack = self.acks.unack
        """Expire the app's ack silences of a target (:meth:`Acks.unack`)."""
        self.escalate = self.escalations.escalate
        """Move a group's incident to the next level of its policy (:meth:`Escalations.escalate`)."""
        self.escalation_states = self.escalations.escalation_states
        """Escalation state of groups with an open incident (:meth:`Escalations.escalation_states`)."""
        self.find_due_escalations = self.escalations.find_due_escalations
        """Automatic escalations due among groups, blocking (:meth:`Escalations.find_due_escalations`)."""
        self.due_escalations = self.escalations.due_escalations
        """Automatic escalations due for a poll (:meth:`Escalations.due_escalations`)."""
        self.auto_escalate = self.escalations.auto_escalate
        """Perform the automatic escalations that are due (:meth:`Escalations.auto_escalate`)."""
        self.create_silence = self.silences.create
        """A silence from typed matchers (:meth:`SilenceChanges.create`)."""
        self.extend_silence = self.silences.extend
        """Move a silence's end (:meth:`SilenceChanges.extend`)."""
        self.expire_silence = self.silences.expire
        """Expire a silence now (:meth:`SilenceChanges.expire`)."""

    @property
    def user(self) -> str:
        """Who acts: ``createdBy`` of silences and actor of log entries."""
        return self.engine.user

    @property
    def context(self) -> str | None:
        """Context whose Alertmanager ``am`` is: recorded on every outbox item, so only its drain sends it."""
        return self.engine.context

    @property
    def log(self) -> IncidentLog:
        """The incident log the actions write to."""
        return self.engine.log

    @property
    def outbox(self) -> Outbox:
        """The outbox the actions enqueue to."""
        return self.engine.outbox

    def pending(self) -> list[OutboxItem]:
        """Outbox items of this context still waiting (blocking: call from a thread)."""
        return self.engine.pending()

    def incident_key(self, group_key: str) -> str:
        """The incident log's key of an alert group: contexts share one log, so the context is part of it."""
        return self.engine.incident_key(group_key)

    async def ack_many(self, targets: Sequence[AlertTarget], **options: Any) -> list[ActionResult]:
        """Ack a multi-selection (see :meth:`AlertTarget.of_rows`): one ack per group, same options."""
        return [await self.ack(target, **options) for target in targets]


__all__ = [
    "UNTIL_RESOLVED_PREFIX",
    "ActionResult",
    "ActionStatus",
    "AlertActions",
    "AlertTarget",
    "ack_end",
]

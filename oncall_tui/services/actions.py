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

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from oncall_tui.clients.notify import Notifier
from oncall_tui.clock import Clock
from oncall_tui.config.alerting import AlertSettings
from oncall_tui.domain.alert_queue import QueueSnapshot
from oncall_tui.domain.alert_rows import GroupRow
from oncall_tui.domain.durations import ack_end
from oncall_tui.domain.escalation import DueEscalation, EscalationState
from oncall_tui.domain.matchers import Matcher
from oncall_tui.domain.severity import SeverityPolicy
from oncall_tui.domain.silences import UNTIL_RESOLVED_PREFIX
from oncall_tui.models.alertmanager import Alert, Silence
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

    # --- ack / unack ---------------------------------------------------------------------------

    async def ack(
        self,
        target: AlertTarget,
        *,
        duration: str | timedelta | None = None,
        ends_at: datetime | None = None,
        comment: str = "",
        until_resolved: bool | None = None,
        universe: Sequence[Alert] = (),
        request_id: str | None = None,
    ) -> ActionResult:
        """Silence exactly ``target``'s alerts (see :meth:`Acks.ack`)."""
        return await self.acks.ack(
            target,
            duration=duration,
            ends_at=ends_at,
            comment=comment,
            until_resolved=until_resolved,
            universe=universe,
            request_id=request_id,
        )

    async def ack_many(self, targets: Sequence[AlertTarget], **options: Any) -> list[ActionResult]:
        """Ack a multi-selection (see :meth:`AlertTarget.of_rows`): one ack per group, same options."""
        return [await self.ack(target, **options) for target in targets]

    async def unack(
        self, target: AlertTarget, silence_ids: Sequence[str] | None = None, *, comment: str = ""
    ) -> ActionResult:
        """Expire the app's ack silences of ``target`` (see :meth:`Acks.unack`)."""
        return await self.acks.unack(target, silence_ids, comment=comment)

    # --- escalation ----------------------------------------------------------------------------

    async def escalate(
        self,
        target: AlertTarget,
        *,
        reason: str = "",
        automatic: bool = False,
        expected_level: int | None = None,
    ) -> ActionResult:
        """Move the group's incident to the next level of its policy (see :meth:`Escalations.escalate`)."""
        return await self.escalations.escalate(
            target, reason=reason, automatic=automatic, expected_level=expected_level
        )

    def escalation_states(self, group_keys: Iterable[str]) -> dict[str, EscalationState]:
        """Escalation state of each group with an open incident, in one query (blocking: from a thread)."""
        return self.escalations.escalation_states(group_keys)

    def find_due_escalations(
        self, groups: Iterable[GroupRow], now: datetime | None = None
    ) -> list[DueEscalation]:
        """Automatic escalations due among ``groups`` (blocking: call from a worker thread)."""
        return self.escalations.find_due_escalations(groups, now)

    async def due_escalations(
        self, snapshot: QueueSnapshot | None = None, *, groups: Iterable[GroupRow] | None = None
    ) -> list[DueEscalation]:
        """Automatic escalations due now for a poll's ``snapshot`` or Alertmanager ``groups``."""
        return await self.escalations.due_escalations(snapshot, groups=groups)

    async def auto_escalate(
        self, snapshot: QueueSnapshot | None = None, *, groups: Iterable[GroupRow] | None = None
    ) -> list[ActionResult]:
        """Perform the automatic escalations that are due (after each poll)."""
        return await self.escalations.auto_escalate(snapshot, groups=groups)

    # --- silences ------------------------------------------------------------------------------

    async def create_silence(
        self,
        matchers: str | Sequence[Matcher],
        *,
        duration: str | timedelta | None = None,
        ends_at: datetime | None = None,
        comment: str = "",
        target: AlertTarget | None = None,
        request_id: str | None = None,
    ) -> ActionResult:
        """A silence from typed matchers (``name="v", other=~"x|y"``)."""
        return await self.silences.create(
            matchers,
            duration=duration,
            ends_at=ends_at,
            comment=comment,
            target=target,
            request_id=request_id,
        )

    async def extend_silence(
        self,
        silence: Silence,
        *,
        duration: str | timedelta | None = None,
        ends_at: datetime | None = None,
        target: AlertTarget | None = None,
        dedup_key: str | None = None,
        automatic: bool = False,
    ) -> ActionResult:
        """Move a silence's end to ``ends_at`` or ``now + duration``. Alertmanager may answer a new id."""
        return await self.silences.extend(
            silence,
            duration=duration,
            ends_at=ends_at,
            target=target,
            dedup_key=dedup_key,
            automatic=automatic,
        )

    async def expire_silence(self, silence: Silence, *, target: AlertTarget | None = None) -> ActionResult:
        """Expire a silence now."""
        return await self.silences.expire(silence, target=target)


__all__ = [
    "UNTIL_RESOLVED_PREFIX",
    "ActionResult",
    "ActionStatus",
    "AlertActions",
    "AlertTarget",
    "ack_end",
]

"""Typed requests a screen hands to the alert feed instead of a closure: what to do, not how.

Each is a frozen value; calling it with the context's :class:`AlertActions` performs it and
returns one result per logged action (one per Alertmanager group for a multi-selection)::

    feed.perform("unack", keys, UnackAlerts(tuple(targets)))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from oncall_tui.domain.matchers import Matcher
from oncall_tui.models.alertmanager import Alert, Silence
from oncall_tui.services.action_engine import ActionResult
from oncall_tui.services.actions import AlertActions
from oncall_tui.services.alert_target import AlertTarget


@dataclass(frozen=True, slots=True)
class AckAlerts:
    """Ack each target (one per Alertmanager group) with the same options."""

    targets: Sequence[AlertTarget]
    """What to ack."""
    duration: str | timedelta | None = None
    """How long (``2h``, checked and logged by the action); None with ``ends_at`` None: the default."""
    ends_at: datetime | None = None
    """Until when (wins over ``duration``)."""
    comment: str = ""
    """Why, for the silence and the timeline."""
    until_resolved: bool | None = None
    """Keep extending while the alerts fire; None means the configured default."""
    universe: Sequence[Alert] = ()
    """Every alert of the poll: the silences must select none of the others."""
    replacing: Sequence[str] = ()
    """Ids of other people's acks this ack replaces (confirmed by the user): expired once it is made."""
    not_actionable: bool = False
    """Marked as noise by the engineer (the ack's timeline entry says so; the noise report counts it)."""

    async def __call__(self, actions: AlertActions) -> list[ActionResult]:
        """Perform it."""
        results = await actions.ack_many(
            self.targets,
            duration=self.duration,
            ends_at=self.ends_at,
            comment=self.comment,
            until_resolved=self.until_resolved,
            universe=self.universe,
            not_actionable=self.not_actionable,
        )
        for target in self.targets:
            theirs = [sid for sid in target.ack_ids if sid in self.replacing]
            if theirs:
                comment = f"replaced by {actions.user}'s ack"
                results.append(await actions.unack(target, theirs, comment=comment))
        return results


@dataclass(frozen=True, slots=True)
class UnackAlerts:
    """Expire the app's acks of each target."""

    targets: Sequence[AlertTarget]
    """What to unack (targets carry the ids of their ack silences)."""

    async def __call__(self, actions: AlertActions) -> list[ActionResult]:
        """Perform it."""
        return [await actions.unack(target) for target in self.targets]


@dataclass(frozen=True, slots=True)
class EscalateAlerts:
    """Escalate each target's incident to the next level of its policy."""

    targets: Sequence[AlertTarget]
    """What to escalate."""
    reason: str = ""
    """Why (may be empty): added to the notification text and the log line."""

    async def __call__(self, actions: AlertActions) -> list[ActionResult]:
        """Perform it."""
        return [await actions.escalate(target, reason=self.reason) for target in self.targets]


@dataclass(frozen=True, slots=True)
class CreateSilence:
    """A new silence from matchers."""

    matchers: Sequence[Matcher]
    """What it selects."""
    duration: str | timedelta | None = None
    """How long (``2h``, checked and logged by the action); None with ``ends_at`` None: the default."""
    ends_at: datetime | None = None
    """Until when (wins over ``duration``)."""
    comment: str = ""
    """Why."""
    starts_at: datetime | None = None
    """Start of a silence planned ahead (a maintenance window); None: now."""

    async def __call__(self, actions: AlertActions) -> list[ActionResult]:
        """Perform it."""
        created = await actions.create_silence(
            list(self.matchers),
            duration=self.duration,
            ends_at=self.ends_at,
            comment=self.comment,
            starts_at=self.starts_at,
        )
        return [created]


@dataclass(frozen=True, slots=True)
class ExtendSilence:
    """Move a silence's end."""

    silence: Silence
    """The silence."""
    duration: str | timedelta | None = None
    """New length from now (``2h``); None with ``ends_at`` None: the configured default."""
    ends_at: datetime | None = None
    """New end (wins over ``duration``)."""

    async def __call__(self, actions: AlertActions) -> list[ActionResult]:
        """Perform it."""
        return [await actions.extend_silence(self.silence, duration=self.duration, ends_at=self.ends_at)]


@dataclass(frozen=True, slots=True)
class ExpireSilence:
    """End a silence now."""

    silence: Silence
    """The silence."""

    async def __call__(self, actions: AlertActions) -> list[ActionResult]:
        """Perform it."""
        return [await actions.expire_silence(self.silence)]


AlertRequest = AckAlerts | UnackAlerts | EscalateAlerts | CreateSilence | ExtendSilence | ExpireSilence
"""Any request a screen can post about alerts and silences."""

__all__ = [
    "AckAlerts",
    "AlertRequest",
    "CreateSilence",
    "EscalateAlerts",
    "ExpireSilence",
    "ExtendSilence",
    "UnackAlerts",
]

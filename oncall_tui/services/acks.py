"""Ack and unack: silence exactly a group's alerts (or expire the app's acks of them), logged first.

An ack is one or more silences selecting exactly the target's alerts (checked against every
alert of the poll); an "ack until resolved" has a key starting with ``ackur-`` and is extended
by :mod:`oncall_tui.services.ack_keeper` while its alerts fire.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from oncall_tui.config.alerting import AckSettings
from oncall_tui.domain.alert_queue import ack_matchers_for_group
from oncall_tui.domain.durations import ack_end
from oncall_tui.domain.matchers import format_matchers
from oncall_tui.domain.silences import UNTIL_RESOLVED_PREFIX
from oncall_tui.models.alertmanager import Alert
from oncall_tui.models.incident import IncidentStatus, TimelineKind
from oncall_tui.services.action_engine import ActionEngine, ActionResult, LogEntry, OutboxRequest, request_key
from oncall_tui.services.alert_target import AlertTarget
from oncall_tui.services.outbox_drain import EXPIRE_SILENCE
from oncall_tui.services.silence_changes import silence_request


class Acks:
    """Ack and unack alert targets through an :class:`ActionEngine`."""

    def __init__(self, engine: ActionEngine, settings: AckSettings) -> None:
        self._engine = engine
        self._settings = settings

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
        not_actionable: bool = False,
    ) -> ActionResult:
        """Silence exactly ``target``'s alerts until ``ends_at`` or for ``duration`` (default from config).

        ``universe`` is every alert of the poll: the silence is checked to select none of the
        others. ``until_resolved`` (default from config) makes the app extend the silence while
        the alerts fire. ``not_actionable`` marks the ack's timeline entry (``not_actionable: true``
        in its data) for the noise report.
        """
        engine = self._engine
        now = engine.clock.now()
        keep = self._settings.until_resolved if until_resolved is None else until_resolved
        try:
            if not target.alerts:
                raise ValueError("nothing to ack")
            if keep and duration is None and ends_at is None:
                end = now + self._settings.until_resolved_step
            else:
                end = ack_end(now, duration, ends_at, self._settings.default_duration)
        except ValueError as exc:
            return await engine.reject(target.subject(), "ack", str(exc))
        plan = ack_matchers_for_group(list(target.alerts), list(universe) or None)
        fps = list(target.fingerprints)
        base = request_key(
            "ack", target.group_key, fps, end.isoformat(), engine.user, request_id or now.isoformat()
        )
        prefix = UNTIL_RESOLVED_PREFIX if keep else "ack-"
        note = comment.strip() or f"acked by {engine.user}"
        requests = []
        for i, matchers in enumerate(plan.silences):
            key = f"{prefix}{base}" + (f"-{i}" if len(plan.silences) > 1 else "")
            requests.append(
                silence_request(
                    engine.user,
                    matchers,
                    now,
                    end,
                    note,
                    key,
                    purpose="ack",
                    fingerprints=fps,
                    until_resolved=keep,
                )
            )
        until = "until resolved" if keep else f"until {end.isoformat(timespec='minutes')}"
        text = f"ack {target.title} ({len(fps)} alert{'s' if len(fps) != 1 else ''}) {until}: {note}"
        data: dict[str, Any] = {
            "fingerprints": fps,
            "ends_at": end.isoformat(),
            "comment": note,
            "until_resolved": keep,
            "matchers": [format_matchers(ms) for ms in plan.silences],
        }
        if not_actionable:
            text += " (not actionable)"
            data["not_actionable"] = True
        entry = LogEntry(TimelineKind.ACK, text, data, IncidentStatus.ACKNOWLEDGED)
        return await engine.perform(target.subject(), entry, requests, "ack")

    async def unack(
        self, target: AlertTarget, silence_ids: Sequence[str] | None = None, *, comment: str = ""
    ) -> ActionResult:
        """Expire the app's ack silences of ``target`` (``silence_ids``, default ``target.ack_ids``)."""
        engine = self._engine
        ids = list(dict.fromkeys(silence_ids if silence_ids is not None else target.ack_ids))
        if not ids:
            return await engine.reject(target.subject(), "unack", "no ack by oncall-tui covers it")
        fps = list(target.fingerprints)
        requests = [
            OutboxRequest(
                EXPIRE_SILENCE, {"silence_id": sid, "purpose": "unack", "fingerprints": fps}, f"unack-{sid}"
            )
            for sid in ids
        ]
        text = f"unack {target.title}: expire silence {', '.join(ids)}" + (f": {comment}" if comment else "")
        entry = LogEntry(
            TimelineKind.UNACK, text, {"silence_ids": ids, "fingerprints": fps}, IncidentStatus.TRIGGERED
        )
        return await engine.perform(target.subject(), entry, requests, "unack")


__all__ = ["Acks"]

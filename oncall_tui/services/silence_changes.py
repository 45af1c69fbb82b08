"""Silence changes from the Silences screen and the ack keeper: create, extend, expire — logged first.

Silences the app creates carry a short marker (``(oncall-tui <code>)``, see
:mod:`oncall_tui.domain.silences`) at the end of their comment: that
is how a retry finds out the first attempt went through, and how the queue tells the app's acks
from other silences. A change about alerts (``target``) is logged in their group's incident;
one made from the Silences screen in an incident keyed by its matchers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import msgspec

from oncall_tui.domain.durations import ack_end
from oncall_tui.domain.matchers import Matcher, format_matchers, parse_matchers, validate_silence_matchers
from oncall_tui.domain.severity import NONE
from oncall_tui.domain.silences import marker_of, silence_marker
from oncall_tui.errors import OncallError
from oncall_tui.models.alertmanager import PostableSilence, Silence
from oncall_tui.models.incident import TimelineKind
from oncall_tui.services.action_engine import (
    ActionEngine,
    ActionResult,
    LogEntry,
    OutboxRequest,
    Subject,
    request_key,
)
from oncall_tui.services.alert_target import AlertTarget
from oncall_tui.services.outbox_drain import CREATE_SILENCE, EXPIRE_SILENCE


def silence_request(
    user: str,
    matchers: Sequence[Matcher],
    starts_at: datetime,
    ends_at: datetime,
    comment: str,
    key: str,
    *,
    marker: str | None = None,
    silence_id: str | None = None,
    **extra: Any,
) -> OutboxRequest:
    """The outbox request creating (or, with ``silence_id``, updating) a silence marked as the app's."""
    marker = marker or key
    text = comment.strip()
    if marker_of(text) is None:
        text = f"{text} {silence_marker(marker)}".strip()
    silence = PostableSilence(
        matchers=[m.to_silence_matcher() for m in matchers],
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=user,
        comment=text,
        id=silence_id,
    )
    payload = {"silence": msgspec.to_builtins(silence), "marker": marker, **extra}
    return OutboxRequest(CREATE_SILENCE, payload, key)


class SilenceChanges:
    """Create, extend and expire silences through an :class:`ActionEngine`."""

    def __init__(self, engine: ActionEngine, default_duration: timedelta) -> None:
        self._engine = engine
        self._default = default_duration

    def _subject(self, matchers: Sequence[Matcher], target: AlertTarget | None) -> Subject:
        if target is not None:
            return target.subject()
        text = format_matchers(matchers)
        return Subject(f"silence:{text}", f"silence {text}", NONE)

    async def create(
        self,
        matchers: str | Sequence[Matcher],
        *,
        duration: str | timedelta | None = None,
        ends_at: datetime | None = None,
        comment: str = "",
        target: AlertTarget | None = None,
        request_id: str | None = None,
        starts_at: datetime | None = None,
    ) -> ActionResult:
        """A silence from typed matchers (``name="v", other=~"x|y"``), from ``starts_at`` (default now)."""
        engine = self._engine
        now = engine.clock.now()
        start = max(starts_at, now) if starts_at is not None else now
        try:
            parsed = parse_matchers(matchers) if isinstance(matchers, str) else list(matchers)
            validate_silence_matchers(parsed)
            end = ack_end(start, duration, ends_at, self._default)
        except (ValueError, OncallError) as exc:
            return await engine.reject(target.subject() if target else None, "silence", str(exc))
        note = comment.strip() or f"silenced by {engine.user}"
        text = format_matchers(parsed)
        key = "sil-" + request_key(
            "silence", text, end.isoformat(), engine.user, request_id or now.isoformat()
        )
        request = silence_request(engine.user, parsed, start, end, note, key, purpose="silence")
        begins = f" from {start.isoformat(timespec='minutes')}" if start > now else ""
        entry = LogEntry(
            TimelineKind.SILENCE,
            f"silence {text}{begins} until {end.isoformat(timespec='minutes')}: {note}",
            {"matchers": text, "ends_at": end.isoformat(), "comment": note},
        )
        return await engine.perform(self._subject(parsed, target), entry, [request], "silence")

    async def extend(
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
        engine = self._engine
        now = engine.clock.now()
        matchers = [Matcher.from_silence(m) for m in silence.matchers]
        try:
            if silence.status.state == "expired":
                raise ValueError(f"silence {silence.id} has expired; create a new one")
            end = ack_end(now, duration, ends_at, self._default)
        except ValueError as exc:
            return await engine.reject(target.subject() if target else None, "extend", str(exc))
        key = dedup_key or "ext-" + request_key(
            "extend", silence.id, silence.ends_at.isoformat(), end.isoformat()
        )
        request = silence_request(
            engine.user,
            matchers,
            silence.starts_at,
            end,
            silence.comment,
            key,
            marker=marker_of(silence.comment) or key,
            silence_id=silence.id,
            purpose="extend silence",
            replaces=silence.id,
        )
        actor_note = " (ack until resolved)" if automatic else ""
        entry = LogEntry(
            TimelineKind.SILENCE,
            f"extend silence {silence.id} until {end.isoformat(timespec='minutes')}{actor_note}",
            {"silence_id": silence.id, "ends_at": end.isoformat(), "automatic": automatic},
        )
        return await engine.perform(self._subject(matchers, target), entry, [request], "extend")

    async def expire(self, silence: Silence, *, target: AlertTarget | None = None) -> ActionResult:
        """Expire a silence now."""
        engine = self._engine
        matchers = [Matcher.from_silence(m) for m in silence.matchers]
        if silence.status.state == "expired":
            subject = target.subject() if target else None
            return await engine.reject(subject, "expire", f"silence {silence.id} already expired")
        request = OutboxRequest(
            EXPIRE_SILENCE, {"silence_id": silence.id, "purpose": "expire"}, f"expire-{silence.id}"
        )
        entry = LogEntry(
            TimelineKind.SILENCE,
            f"expire silence {silence.id} {format_matchers(matchers)}",
            {"silence_id": silence.id},
        )
        return await engine.perform(self._subject(matchers, target), entry, [request], "expire")


__all__ = ["SilenceChanges", "silence_request"]

"""Silences as the app sees them: its comment marker, who/why/until-when, and the Silences screen view.

The app appends ``[oncall-tui:<dedup key>]`` to the comment of every silence it creates:
that marker is how a retry finds out the first attempt went through, how the queue tells
the app's acks from other people's silences, and (key prefix ``ackur-``) which acks are
"until resolved", extended by :mod:`oncall_tui.services.ack_keeper` while their alerts fire.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from oncall_tui.domain.matchers import Filter, Matcher, format_matchers
from oncall_tui.models.alertmanager import Alert, Silence


class PollAlerts(Protocol):
    """A poll's alerts (a :class:`~oncall_tui.domain.alert_queue.QueueSnapshot`)."""

    def alerts(self) -> list[Alert]: ...


MARKER_PREFIX = "[oncall-tui:"
"""Start of the marker the app appends to the comment of silences it creates."""
_MARKER = re.compile(r"\[oncall-tui:([^\]]+)\]\s*$")
UNTIL_RESOLVED_PREFIX = "ackur-"
"""Dedup-key prefix of "ack until resolved" silences (the ack keeper extends those)."""


def silence_marker(dedup_key: str) -> str:
    """Marker appended to a silence comment: finds the silence again after a crash, marks it as the app's."""
    return f"{MARKER_PREFIX}{dedup_key}]"


def marker_of(comment: str) -> str | None:
    """The dedup key in a silence comment's marker, if the app created it."""
    match = _MARKER.search(comment)
    return match.group(1) if match else None


def is_until_resolved_marker(marker: str | None) -> bool:
    """The marker key of an "ack until resolved" silence."""
    return marker is not None and marker.startswith(UNTIL_RESOLVED_PREFIX)


@dataclass(frozen=True, slots=True)
class SilenceInfo:
    """A silence covering an alert: who, why, until when."""

    silence_id: str
    """Alertmanager's id of the silence."""
    created_by: str
    """``createdBy`` of the silence."""
    comment: str
    """Comment, with the app's marker removed."""
    starts_at: datetime
    """When the silence started."""
    ends_at: datetime
    """When it lapses."""
    is_ack: bool
    """Created by this app (an ack or a silence made here), recognised by its comment marker."""
    until_resolved: bool = False
    """The app's "ack until resolved": extended while its alerts fire, left to lapse once they resolve."""

    def age(self, now: datetime) -> timedelta:
        """How long ago the ack/silence started."""
        return max(now - self.starts_at, timedelta(0))

    def left(self, now: datetime) -> timedelta:
        """Time left before it lapses (negative once lapsed)."""
        return self.ends_at - now

    @classmethod
    def of(cls, silence: Silence) -> SilenceInfo:
        """Who/why/until when of ``silence``, the app's marker read and removed from the comment."""
        marker = marker_of(silence.comment)
        comment = _MARKER.sub("", silence.comment).rstrip() if marker else silence.comment
        return cls(
            silence.id,
            silence.created_by,
            comment,
            silence.starts_at,
            silence.ends_at,
            marker is not None,
            is_until_resolved_marker(marker),
        )


# --- the Silences screen ----------------------------------------------------------------------

_SILENCE_ORDER = {"active": 0, "pending": 1, "expired": 2}


@dataclass(frozen=True, slots=True)
class SilenceRow:
    """One silence in the Silences screen."""

    key: str
    """Stable row key: the silence id."""
    silence: Silence
    """The silence itself."""
    info: SilenceInfo
    """Creator, comment (marker removed), start, end, whether the app made it."""
    matchers: tuple[Matcher, ...]
    """Its matchers, parsed."""
    matchers_text: str
    """``{a="1", b=~"x|y"}``."""
    state: str
    """``active``, ``pending`` or ``expired``."""
    silenced: int
    """Alerts of the current poll it silences (Alertmanager's ``silencedBy``)."""


def silence_rows(
    silences: Iterable[Silence],
    snapshot: PollAlerts | None = None,
    flt: Filter | None = None,
    *,
    include_expired: bool = True,
) -> list[SilenceRow]:
    """Silences in screen order: active (ending soonest), pending (starting soonest), expired (latest first).

    The filter's free text matches the matchers text, creator and comment; a filter matcher
    keeps silences having a matcher on that label whose value satisfies it
    (``alertname=Host_Down`` finds the silences of Host_Down).
    """
    counts: dict[str, int] = {}
    if snapshot is not None:
        for alert in snapshot.alerts():
            for silence_id in alert.status.silenced_by:
                counts[silence_id] = counts.get(silence_id, 0) + 1
    rows = []
    for silence in silences:
        state = silence.status.state
        if state == "expired" and not include_expired:
            continue
        matchers = tuple(Matcher.from_silence(m) for m in silence.matchers)
        text = format_matchers(matchers)
        info = SilenceInfo.of(silence)
        if flt is not None and not flt.is_empty:
            haystack = "\x00".join((text, info.created_by, info.comment)).lower()
            if not all(word in haystack for word in flt.words):
                continue
            if not all(
                any(m.name == f.name and f.matches_value(m.value) for m in matchers) for f in flt.matchers
            ):
                continue
        rows.append(SilenceRow(silence.id, silence, info, matchers, text, state, counts.get(silence.id, 0)))

    def order(row: SilenceRow) -> tuple[int, float]:
        rank = _SILENCE_ORDER.get(row.state, 3)
        if row.state == "active":
            return rank, row.silence.ends_at.timestamp()
        if row.state == "pending":
            return rank, row.silence.starts_at.timestamp()
        return rank, -row.silence.ends_at.timestamp()

    rows.sort(key=order)
    return rows


__all__ = [
    "MARKER_PREFIX",
    "UNTIL_RESOLVED_PREFIX",
    "SilenceInfo",
    "SilenceRow",
    "is_until_resolved_marker",
    "marker_of",
    "silence_marker",
    "silence_rows",
]

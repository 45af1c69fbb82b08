"""Silences as the app sees them: its comment marker, who/why/until-when, and the Silences screen view.

The app appends a short marker, ``(oncall-tui u3f9a2c1b7e)``, to the comment of every silence
it creates: that marker is how a retry finds out the first attempt went through, how the queue
tells the app's acks from other people's silences and from silences made here, and (kind ``u``)
which acks are "until resolved", extended by :mod:`oncall_tui.services.ack_keeper` while their
alerts fire. The code is the kind (``a`` ack, ``u`` ack until resolved, ``s`` silence, ``x``
other) and 10 hex digits of a hash of the action's dedup key. Alertmanager (0.25, the version the
tests run) has no silence annotations to hide it in, so it stays in the comment, as short as
it can be and saying what it is; the app's own screens never show it. Silences made by
versions before this one carry ``[oncall-tui:<dedup key>]`` and are still recognised.
"""

from __future__ import annotations

import hashlib
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
"""Start of the marker older versions appended (``[oncall-tui:<dedup key>]``); still recognised."""
_LEGACY_MARKER = re.compile(r"\s*\[oncall-tui:([^\]]+)\]\s*$")
_MARKER = re.compile(r"\s*\(oncall-tui ([ausx][0-9a-f]{10})\)\s*$")
_CODE = re.compile(r"^[ausx][0-9a-f]{10}$")
UNTIL_RESOLVED_PREFIX = "ackur-"
"""Dedup-key prefix of "ack until resolved" silences (the ack keeper extends those)."""
_KINDS = (("ackur-", "u"), ("ack-", "a"), ("sil-", "s"))
"""Dedup-key prefix → marker kind letter (anything else: ``x``)."""


def marker_code(marker: str) -> str:
    """The short code of a dedup key (a code stays as it is): kind letter and 10 hex digits of its hash."""
    if _CODE.match(marker):
        return marker
    kind = next((letter for prefix, letter in _KINDS if marker.startswith(prefix)), "x")
    return kind + hashlib.sha256(marker.encode()).hexdigest()[:10]


def silence_marker(dedup_key: str) -> str:
    """Marker appended to a silence comment: finds the silence again after a crash, marks it as the app's."""
    return f"(oncall-tui {marker_code(dedup_key)})"


def marker_of(comment: str) -> str | None:
    """The marker in a silence comment (a code, or an older version's whole key), if the app created it."""
    match = _MARKER.search(comment) or _LEGACY_MARKER.search(comment)
    return match.group(1) if match else None


def has_marker(comment: str, marker: str) -> bool:
    """Whether the comment carries the marker of ``marker`` (a dedup key or a code), in either form."""
    found = marker_of(comment)
    return found is not None and (found == marker or found == marker_code(marker))


def strip_marker(comment: str) -> str:
    """The comment as people wrote it: the app's marker (either form) removed."""
    return _LEGACY_MARKER.sub("", _MARKER.sub("", comment))


def is_until_resolved_marker(marker: str | None) -> bool:
    """The marker of an "ack until resolved" silence."""
    if marker is None:
        return False
    return marker.startswith(UNTIL_RESOLVED_PREFIX) or (bool(_CODE.match(marker)) and marker[0] == "u")


def is_ack_marker(marker: str | None) -> bool:
    """The marker of an ack (until resolved or not), not of a silence made on the Silences screen."""
    if marker is None:
        return False
    if _CODE.match(marker):
        return marker[0] in "au"
    return marker.startswith(("ack-", UNTIL_RESOLVED_PREFIX))


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
    """An ack made with this app (its comment marker says so); a silence made here is not an ack."""
    until_resolved: bool = False
    """The app's "ack until resolved": extended while its alerts fire, ended once they resolve."""
    by_app: bool = False
    """Made with this app (an ack or a silence), recognised by its comment marker."""

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
        comment = strip_marker(silence.comment) if marker else silence.comment
        return cls(
            silence.id,
            silence.created_by,
            comment,
            silence.starts_at,
            silence.ends_at,
            is_ack_marker(marker),
            is_until_resolved_marker(marker),
            marker is not None,
        )


def extended_end(current_end: datetime, now: datetime, by: timedelta | None, to: datetime | None) -> datetime:
    """The new end of a silence extended ``by`` a duration (added to its current end, or to now once
    that has passed) or moved ``to`` an end time (which may shorten it: the caller asks first)."""
    if to is not None:
        return to
    if by is None:
        raise ValueError("give a duration or an end time")
    return max(current_end, now) + by


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
    "has_marker",
    "is_ack_marker",
    "is_until_resolved_marker",
    "marker_code",
    "marker_of",
    "silence_marker",
    "extended_end",
    "silence_rows",
    "strip_marker",
]

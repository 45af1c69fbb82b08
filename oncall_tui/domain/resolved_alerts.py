"""Alerts that stopped firing: remembered for a while with when they resolved, so they do not vanish.

Alertmanager drops a resolved alert from its list; the queue would then simply lose the row.
After each successful poll, :func:`track_resolved` notes which alerts of the previous poll are
gone (resolved at about that poll's time), forgets those that fire again (a new firing is a new
alert) and those resolved longer ago than ``keep``. The screen shows them dimmed, with their
resolve time, and a notice says what resolved (:func:`describe_resolved`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from oncall_tui.models.alertmanager import Alert

RESOLVED_KEEP = timedelta(hours=1)
"""How long a resolved alert is remembered (``t`` and the filter show them this long)."""
RESOLVED_SHOWN = timedelta(minutes=5)
"""How long a resolved alert stays in the default (active) view, dimmed."""


@dataclass(frozen=True, slots=True)
class ResolvedAlert:
    """An alert that was firing at one poll and gone at the next."""

    alert: Alert
    """The alert as last seen firing."""
    group_key: str
    """Key of the Alertmanager group it was shown in."""
    resolved_at: datetime
    """When the app first saw it gone (UTC; within one poll of the real resolve)."""


def track_resolved(
    known: Mapping[str, ResolvedAlert],
    previous: Iterable[tuple[Alert, str]],
    firing: Collection[str],
    now: datetime,
    keep: timedelta = RESOLVED_KEEP,
) -> tuple[dict[str, ResolvedAlert], list[ResolvedAlert]]:
    """The resolved alerts to remember after a poll, and the ones newly resolved by it.

    ``previous`` holds the previous poll's (alert, group key) pairs, ``firing`` the fingerprints
    of this poll's alerts (every state: a silenced alert still fires).
    """
    kept = {fp: r for fp, r in known.items() if fp not in firing and now - r.resolved_at < keep}
    new = []
    for alert, group_key in previous:
        fp = alert.fingerprint
        if fp not in firing and fp not in kept:
            kept[fp] = item = ResolvedAlert(alert, group_key, now)
            new.append(item)
    return kept, new


def describe_resolved(items: list[ResolvedAlert], limit: int = 3) -> str:
    """``Resolved: Host_Down server1, DiskFull db2 (+2 more)``."""
    names = [f"{r.alert.alertname} {r.alert.labels.get('instance', '')}".strip() for r in items[:limit]]
    more = f" (+{len(items) - limit} more)" if len(items) > limit else ""
    return f"Resolved: {', '.join(names)}{more}"

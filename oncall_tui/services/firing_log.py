"""Each alert firing the app sees, written once to the incident log (the noise report counts them).

A poll's alerts are compared with the firings already written this session, so a steady queue
costs one set lookup per alert and no write; new firings go in one transaction, off the event
loop. Writing is idempotent in the store too, so a restart (empty memory) rewrites nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from oncall_tui.clock import Clock
from oncall_tui.foreground import paced
from oncall_tui.models.alertmanager import Alert
from oncall_tui.models.incident_record import AlertFiring
from oncall_tui.store.db import Database
from oncall_tui.store.incident_records import IncidentRecords

MAX_REMEMBERED = 200_000
"""Firings remembered before the memory starts over (the store ignores repeats anyway)."""


class FiringLog:
    """Remembers which firings were written; writes the new ones."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._seen: set[tuple[str, datetime]] = set()

    def new_firings(self, alerts: Iterable[Alert], context: str) -> list[AlertFiring]:
        """Firings of ``alerts`` not written yet this session (and now counted as written)."""
        if len(self._seen) > MAX_REMEMBERED:
            self._seen.clear()
        fresh = []
        for alert in paced(alerts):  # in a thread, 55,000 alerts: a key goes first
            key = (alert.fingerprint, alert.starts_at)
            if key not in self._seen:
                self._seen.add(key)
                fresh.append(AlertFiring.of(alert, context))
        return fresh

    def write(self, db: Database, firings: list[AlertFiring]) -> int:
        """Write ``firings`` (blocking: call from a thread); how many were new to the store."""
        return IncidentRecords(db, self._clock).record_firings(firings) if firings else 0

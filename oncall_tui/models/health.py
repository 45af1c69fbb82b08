"""Health of one data source, as the health bar shows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class HealthState(StrEnum):
    """Coarse state of a source."""

    UNKNOWN = "unknown"
    """Not polled yet."""
    UP = "up"
    """Last poll succeeded."""
    STALE = "stale"
    """Last poll failed but earlier data is still on screen."""
    DOWN = "down"
    """Last poll failed and there is no earlier data."""
    NO_CREDENTIALS = "no-credentials"
    """Credentials could not be resolved (e.g. keyring unavailable over SSH)."""


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """Snapshot of a source's health; a new one replaces the old after every poll."""

    source: str
    """Display name: ``prometheus``, ``alertmanager``, ``alertmanager[peer2]``, ``jaeger``."""
    state: HealthState = HealthState.UNKNOWN
    """Coarse state."""
    latency: float | None = None
    """Seconds the last poll took (successful or not)."""
    last_ok_at: datetime | None = None
    """When data was last fetched successfully."""
    reason: str | None = None
    """One line: why the last poll failed."""
    consecutive_failures: int = 0
    """Failures since the last success; drives backoff."""
    insecure: bool = False
    """TLS verification is switched off for this source (shown as a warning)."""

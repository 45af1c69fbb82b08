"""Alertmanager API v2 wire models.

msgspec Structs rather than pydantic: a 10,000-alert ``/api/v2/alerts/groups`` body
decodes about 3x faster this way (see ``benchmarks/``), and that decode is on the
poll path. Field names follow the wire (camelCase) through ``rename="camel"``.

The structs of a poll (alerts, their status and receivers, groups) are ``gc=False``: they hold
only strings, dicts and lists of strings and other such structs, so they never form reference
cycles, and 55,000 alerts are then not walked by every collection of the cyclic collector.
Repeated values are shared between alerts and between polls by :mod:`oncall_tui.models.alert_reuse`.
"""

from __future__ import annotations

import msgspec

from oncall_tui.models.common import AwareDatetime


class AlertStatus(msgspec.Struct, frozen=True, rename="camel", gc=False):
    """Whether Alertmanager is notifying about the alert, and what suppresses it."""

    state: str = "active"
    """``active``, ``suppressed`` or ``unprocessed``."""
    silenced_by: list[str] = msgspec.field(default_factory=list)
    """Ids of the silences that match the alert."""
    inhibited_by: list[str] = msgspec.field(default_factory=list)
    """Fingerprints of the alerts that inhibit this one."""
    muted_by: list[str] = msgspec.field(default_factory=list)
    """Names of time intervals muting the alert (Alertmanager >= 0.27)."""


class Receiver(msgspec.Struct, frozen=True, gc=False):
    """A notification receiver the alert is routed to."""

    name: str


class Alert(msgspec.Struct, frozen=True, rename="camel", gc=False):
    """One alert as ``/api/v2/alerts`` or a group of ``/api/v2/alerts/groups`` returns it."""

    labels: dict[str, str]
    """Identifying labels; ``alertname`` and usually ``severity`` among them."""
    fingerprint: str
    """Alertmanager's stable hash of the labels: the key for dedup across HA peers."""
    starts_at: AwareDatetime
    """When the alert started firing (timezone-aware)."""
    annotations: dict[str, str] = msgspec.field(default_factory=dict)
    """Free text: ``summary``, ``description``, ``runbook_url`` …"""
    ends_at: AwareDatetime | None = None
    """When Alertmanager will consider the alert resolved unless it is re-sent."""
    updated_at: AwareDatetime | None = None
    """Last time Alertmanager received the alert."""
    generator_url: str = msgspec.field(default="", name="generatorURL")
    """Link back to the expression that produced the alert."""
    receivers: list[Receiver] = msgspec.field(default_factory=list)
    """Receivers the alert is routed to."""
    status: AlertStatus = msgspec.field(default_factory=AlertStatus)
    """Suppression state."""

    @property
    def alertname(self) -> str:
        return self.labels.get("alertname", "")


class AlertGroup(msgspec.Struct, frozen=True, gc=False):
    """Alerts grouped by Alertmanager's route ``group_by`` labels."""

    labels: dict[str, str]
    """The group-by labels and their values."""
    receiver: Receiver
    """Receiver of the group."""
    alerts: list[Alert]
    """Alerts in the group."""


class SilenceMatcher(msgspec.Struct, frozen=True, rename="camel"):
    """One matcher of a silence."""

    name: str
    value: str
    is_regex: bool = False
    is_equal: bool = True
    """False for ``!=`` / ``!~`` matchers (Alertmanager >= 0.22)."""


class SilenceStatus(msgspec.Struct, frozen=True):
    """Lifecycle state of a silence."""

    state: str
    """``active``, ``pending`` or ``expired``."""


class Silence(msgspec.Struct, frozen=True, rename="camel"):
    """A silence as ``/api/v2/silences`` returns it."""

    id: str
    matchers: list[SilenceMatcher]
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    created_by: str
    comment: str
    status: SilenceStatus
    updated_at: AwareDatetime | None = None


class PostableSilence(msgspec.Struct, frozen=True, rename="camel", omit_defaults=True):
    """Body of ``POST /api/v2/silences``; with ``id`` set it updates (and may replace) a silence."""

    matchers: list[SilenceMatcher]
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    created_by: str
    comment: str
    id: str | None = None


class PeerStatus(msgspec.Struct, frozen=True):
    """One member of the Alertmanager gossip cluster."""

    name: str
    address: str


class ClusterStatus(msgspec.Struct, frozen=True):
    """Gossip cluster state: ``ready``, ``settling`` or ``disabled``."""

    status: str
    name: str | None = None
    peers: list[PeerStatus] = msgspec.field(default_factory=list)


class VersionInfo(msgspec.Struct, frozen=True, rename="camel"):
    """Build information of the Alertmanager binary."""

    version: str = ""
    revision: str = ""
    branch: str = ""
    build_user: str = ""
    build_date: str = ""
    go_version: str = ""


class AlertmanagerStatus(msgspec.Struct, frozen=True, rename="camel"):
    """``GET /api/v2/status``."""

    cluster: ClusterStatus
    version_info: VersionInfo
    uptime: AwareDatetime | None = None

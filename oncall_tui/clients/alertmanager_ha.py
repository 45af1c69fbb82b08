"""Several Alertmanager peers of one HA cluster, seen as one source.

Reads fan out to every peer at once and are merged: alerts (and the alerts inside
groups) de-duplicated by fingerprint, silences by id, keeping the copy a peer
updated last when peers disagree (gossip is eventually consistent). Every read
says how each peer fared, so one peer that is down neither hides the alerts the
others see nor goes unreported. Only when every peer fails does a read raise.

Writes (create or expire a silence) go to the first peer that answers; gossip
replicates them to the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar, cast

import httpx
from pydantic import SecretStr

from oncall_tui.clients.alertmanager import AlertmanagerClient
from oncall_tui.clients.http import build_async_client
from oncall_tui.clock import Clock, SystemClock
from oncall_tui.config.settings import AlertmanagerSettings
from oncall_tui.errors import NotFoundError, SourceError
from oncall_tui.foreground import paced
from oncall_tui.models.alert_reuse import AlertReuse
from oncall_tui.models.alertmanager import Alert, AlertGroup, AlertmanagerStatus, PostableSilence, Silence

T = TypeVar("T")

_NEVER = datetime.min.replace(tzinfo=UTC)

# Failures that mean "this peer cannot serve now, ask the next one"; anything else
# (a rejected silence, an unknown id) would be answered the same by every peer.
_FAILOVER_KINDS = frozenset({"unreachable", "timeout", "tls"})
_FAILOVER_STATUSES = frozenset({502, 503, 504})


@dataclass(frozen=True, slots=True)
class PeerOutcome:
    """How one peer fared in one fan-out."""

    url: str
    """The peer's name: its base URL unless the cluster was given another."""
    error: SourceError | None
    """Why the peer failed; None when it answered."""
    latency: float
    """Seconds the peer took to answer or fail."""

    @property
    def ok(self) -> bool:
        """The peer answered."""
        return self.error is None

    @property
    def reason(self) -> str | None:
        """One line on why the peer failed, for the health bar."""
        return None if self.error is None else self.error.message


@dataclass(frozen=True, slots=True)
class Merged(Generic[T]):
    """A merged read across peers, with the outcome of each peer."""

    value: T
    """The merged result."""
    peers: tuple[PeerOutcome, ...]
    """One outcome per peer, in configured order."""

    @property
    def failed(self) -> tuple[PeerOutcome, ...]:
        """Peers that did not answer (empty when all did)."""
        return tuple(p for p in self.peers if not p.ok)

    @property
    def degraded(self) -> bool:
        """Some, but not all, peers failed: the result may miss what only they knew."""
        return bool(self.failed)


def _updated(item: Alert | Silence) -> datetime:
    return item.updated_at or _NEVER


def merge_alerts(per_peer: Iterable[Sequence[Alert]]) -> list[Alert]:
    """Alerts seen by any peer, one per fingerprint: the most recently updated copy wins.

    Order is first appearance, so a merge of one peer's list is that list.
    """
    best: dict[str, Alert] = {}
    # Per group of alerts: in the poll's thread when big, where a key on the event loop goes first.
    for alerts in paced(per_peer, every=4):
        for alert in alerts:
            seen = best.get(alert.fingerprint)
            if seen is None or _updated(alert) > _updated(seen):
                best[alert.fingerprint] = alert
    return list(best.values())


def merge_groups(per_peer: Iterable[Sequence[AlertGroup]]) -> list[AlertGroup]:
    """Groups keyed by receiver and group labels, their alerts merged as in :func:`merge_alerts`.

    The winning copy of an alert is chosen across all groups, so an alert routed to
    two receivers shows the same state in both.
    """
    peers = [list(groups) for groups in per_peer]
    best = {a.fingerprint: a for a in merge_alerts(g.alerts for groups in peers for g in groups)}
    merged: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[AlertGroup, dict[str, Alert]]] = {}
    for groups in peers:
        for group in paced(groups, every=4):
            key = (group.receiver.name, tuple(sorted(group.labels.items())))
            if key not in merged:
                merged[key] = (group, {})
            alerts = merged[key][1]
            for alert in group.alerts:
                alerts.setdefault(alert.fingerprint, best[alert.fingerprint])
    return [
        AlertGroup(labels=group.labels, receiver=group.receiver, alerts=list(alerts.values()))
        for group, alerts in merged.values()
    ]


MERGE_IN_THREAD = 2000
"""From this many alerts (all peers together), groups are merged in a worker thread."""


def _big(per_peer: Sequence[Sequence[AlertGroup]]) -> bool:
    return sum(len(g.alerts) for groups in per_peer for g in groups) >= MERGE_IN_THREAD


def merge_silences(per_peer: Iterable[Sequence[Silence]]) -> list[Silence]:
    """Silences of all peers, one per id: the most recently updated copy wins."""
    best: dict[str, Silence] = {}
    for silences in per_peer:
        for silence in silences:
            seen = best.get(silence.id)
            if seen is None or _updated(silence) > _updated(seen):
                best[silence.id] = silence
    return list(best.values())


def _should_fail_over(exc: SourceError, *, idempotent: bool) -> bool:
    """Whether to try the next peer after ``exc``.

    A non-idempotent write (creating a silence) moves on only when the request never reached
    the peer: after a read timeout or a 503 it may have been applied there, and a second peer
    would create a second silence. The outbox retries it instead, after looking for its marker.
    """
    if not idempotent:
        return not exc.request_sent
    return exc.kind in _FAILOVER_KINDS or exc.status in _FAILOVER_STATUSES


def _all_failed(outcomes: Sequence[PeerOutcome], action: str) -> SourceError:
    errors = [o.error for o in outcomes if o.error is not None]
    if len(errors) == 1:
        # One peer configured: its own error says everything.
        return errors[0]
    kinds = {e.kind for e in errors}
    reasons = "; ".join(e.message for e in errors)
    return SourceError(
        f"all {len(errors)} Alertmanager peers failed to {action}: {reasons}",
        kind=kinds.pop() if len(kinds) == 1 else "unreachable",
    )


class AlertmanagerCluster:
    """One Alertmanager source backed by several peers (or just one)."""

    def __init__(
        self,
        peers: Sequence[AlertmanagerClient | tuple[str, AlertmanagerClient]],
        *,
        clock: Clock | None = None,
    ) -> None:
        """``peers`` are clients, or ``(name, client)`` pairs to name a peer other than by its URL."""
        if not peers:
            raise ValueError("at least one Alertmanager peer is needed")
        named = [p if isinstance(p, tuple) else (p.base_url, p) for p in peers]
        self.peers = tuple(client for _, client in named)
        """The peer clients, in configured order (writes try them in this order)."""
        self.names = tuple(name for name, _ in named)
        """Display name of each peer (its URL unless given), parallel to ``peers``."""
        self._clock = clock or SystemClock()
        self.reuse = AlertReuse()
        """Shares decoded alerts' values with the last poll's and across peers (memory of big polls)."""

    @classmethod
    def from_settings(
        cls,
        settings: AlertmanagerSettings,
        secret: SecretStr | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        clock: Clock | None = None,
    ) -> AlertmanagerCluster:
        """One pooled HTTP client per configured URL, all with the same auth and TLS settings."""
        return cls(
            [
                AlertmanagerClient(build_async_client(str(url), settings, secret, transport))
                for url in settings.urls
            ],
            clock=clock,
        )

    async def aclose(self) -> None:
        """Close every peer's HTTP client."""
        await asyncio.gather(*(peer.aclose() for peer in self.peers))

    # --- reads: fan out and merge -----------------------------------------------------------

    async def alert_groups(
        self,
        filters: Sequence[str] = (),
        *,
        active: bool = True,
        silenced: bool = True,
        inhibited: bool = True,
        receiver: str | None = None,
    ) -> Merged[list[AlertGroup]]:
        """Alert groups of all peers, merged (see :func:`merge_groups`)."""
        # Only the full list is a poll whose alerts the next poll can share: a filtered read is not.
        reuse = self.reuse if not filters and receiver is None and active and silenced and inhibited else None
        with reuse.poll() if reuse is not None else nullcontext():
            results, outcomes = await self._fan_out(
                lambda p: p.alert_groups(
                    filters,
                    active=active,
                    silenced=silenced,
                    inhibited=inhibited,
                    receiver=receiver,
                    reuse=reuse,
                ),
                "list alert groups",
            )
        # 55,000 alerts take ~50-150 ms to merge: in a thread, so keystrokes are answered meanwhile.
        merged = await asyncio.to_thread(merge_groups, results) if _big(results) else merge_groups(results)
        return Merged(merged, outcomes)

    async def alerts(
        self,
        filters: Sequence[str] = (),
        *,
        active: bool = True,
        silenced: bool = True,
        inhibited: bool = True,
        unprocessed: bool = True,
        receiver: str | None = None,
    ) -> Merged[list[Alert]]:
        """Alerts of all peers, de-duplicated by fingerprint (see :func:`merge_alerts`)."""
        results, outcomes = await self._fan_out(
            lambda p: p.alerts(
                filters,
                active=active,
                silenced=silenced,
                inhibited=inhibited,
                unprocessed=unprocessed,
                receiver=receiver,
            ),
            "list alerts",
        )
        return Merged(merge_alerts(results), outcomes)

    async def silences(self, filters: Sequence[str] = ()) -> Merged[list[Silence]]:
        """Silences of all peers, de-duplicated by id (see :func:`merge_silences`)."""
        results, outcomes = await self._fan_out(lambda p: p.silences(filters), "list silences")
        return Merged(merge_silences(results), outcomes)

    async def silence(self, silence_id: str) -> Silence:
        """One silence, the most recently updated copy any peer has.

        :class:`NotFoundError` when every peer that answered says it does not exist.
        """
        outcomes = await self._gather(lambda p: p.silence(silence_id))
        found = [value for value, _ in outcomes if value is not None]
        if found:
            return merge_silences([found])[0]
        if any(isinstance(o.error, NotFoundError) for _, o in outcomes):
            raise NotFoundError(
                f"silence {silence_id} not found on any reachable Alertmanager peer", kind="http"
            )
        raise _all_failed([o for _, o in outcomes], f"get silence {silence_id}")

    async def status(self) -> Merged[dict[str, AlertmanagerStatus]]:
        """Status of each peer that answered, keyed by peer name; raises only if none answered."""
        outcomes = await self._gather(lambda p: p.status())
        if all(value is None for value, _ in outcomes):
            raise _all_failed([o for _, o in outcomes], "report status")
        statuses = {o.url: value for value, o in outcomes if value is not None}
        return Merged(statuses, tuple(o for _, o in outcomes))

    async def status_by_peer(self) -> list[tuple[str, AlertmanagerStatus | SourceError]]:
        """Each peer's status or the error it failed with, in configured order; never raises."""
        outcomes = await self._gather(lambda p: p.status())
        return [(o.url, value if value is not None else cast(SourceError, o.error)) for value, o in outcomes]

    # --- writes: first reachable peer -------------------------------------------------------

    async def create_silence(self, silence: PostableSilence) -> str:
        """Create or update a silence on the first reachable peer; returns the server's id."""
        return await self._first_reachable(
            lambda p: p.create_silence(silence), "create the silence", idempotent=False
        )

    async def expire_silence(self, silence_id: str) -> None:
        """Expire a silence on the first reachable peer."""
        await self._first_reachable(
            lambda p: p.expire_silence(silence_id), f"expire silence {silence_id}", idempotent=True
        )

    # --- plumbing ---------------------------------------------------------------------------

    async def _timed(
        self, name: str, peer: AlertmanagerClient, call: Callable[[AlertmanagerClient], Awaitable[T]]
    ) -> tuple[T | None, PeerOutcome]:
        started = self._clock.monotonic()
        try:
            value = await call(peer)
        except SourceError as exc:
            return None, PeerOutcome(name, exc, self._clock.monotonic() - started)
        return value, PeerOutcome(name, None, self._clock.monotonic() - started)

    async def _gather(
        self, call: Callable[[AlertmanagerClient], Awaitable[T]]
    ) -> list[tuple[T | None, PeerOutcome]]:
        calls = (self._timed(name, peer, call) for name, peer in zip(self.names, self.peers, strict=True))
        return list(await asyncio.gather(*calls))

    async def _fan_out(
        self, call: Callable[[AlertmanagerClient], Awaitable[list[T]]], action: str
    ) -> tuple[list[list[T]], tuple[PeerOutcome, ...]]:
        outcomes = await self._gather(call)
        results = [value for value, _ in outcomes if value is not None]
        peers = tuple(o for _, o in outcomes)
        if not results:
            raise _all_failed(peers, action)
        return results, peers

    async def _first_reachable(
        self, call: Callable[[AlertmanagerClient], Awaitable[T]], action: str, *, idempotent: bool
    ) -> T:
        failures: list[PeerOutcome] = []
        for name, peer in zip(self.names, self.peers, strict=True):
            value, outcome = await self._timed(name, peer, call)
            if outcome.error is None:
                # T may itself be None (expire), so the error, not the value, says it worked.
                return cast(T, value)
            if not _should_fail_over(outcome.error, idempotent=idempotent):
                raise outcome.error
            failures.append(outcome)
        raise _all_failed(failures, action)

"""Build the clients and pollers of one context from its settings.

One pooled httpx client per source; credentials are resolved lazily (and retried
on every poll until they resolve) so a missing keyring marks the source
"no credentials" instead of stopping the app.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import SecretStr

from oncall_tui.clients.alertmanager import AlertmanagerClient
from oncall_tui.clients.alertmanager_ha import AlertmanagerCluster
from oncall_tui.clients.http import build_async_client
from oncall_tui.clients.jaeger import JaegerClient
from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.clock import Clock, SystemClock
from oncall_tui.config.settings import AuthSettings, ContextSettings, SourceSettings
from oncall_tui.errors import SourceError
from oncall_tui.models.alertmanager import AlertmanagerStatus
from oncall_tui.models.prometheus import BuildInfo, Target
from oncall_tui.services.polling import Failed, Fresh, Poller
from oncall_tui.services.recovery import RecoveringTransport, SourceRecovery

SecretResolver = Callable[[str, str, AuthSettings | None], SecretStr | None]
"""(context, source, auth) -> secret; raises SecretError when it cannot resolve."""

TransportFactory = Callable[[str], httpx.AsyncBaseTransport | None]
"""Source name -> transport to use (tests inject MockTransport); None means the network."""


@dataclass(frozen=True, slots=True)
class PrometheusOverview:
    """What the Sources screen shows of Prometheus."""

    build: BuildInfo
    """Version and build of the server."""
    targets: list[Target]
    """Active scrape targets."""


@dataclass(frozen=True, slots=True)
class PeerOverview:
    """One Alertmanager peer: its status, or why it could not be read."""

    url: str
    status: AlertmanagerStatus | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class AlertmanagerOverview:
    """What the Sources screen shows of Alertmanager: every configured peer."""

    peers: list[PeerOverview] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class JaegerOverview:
    """What the Sources screen shows of Jaeger."""

    services: list[str]
    """Service names known to the query service."""
    api: str
    """API generation in use: ``v3`` or ``v1``."""


def _default_resolver(context: str, source: str, auth: AuthSettings | None) -> SecretStr | None:
    from oncall_tui.secrets import resolve_secret

    return resolve_secret(context, source, auth)


class LazyHttpClient:
    """Creates the httpx client for a source once its secret resolves; reused afterwards."""

    def __init__(
        self,
        context: str,
        source: str,
        base_url: str,
        settings: SourceSettings,
        resolver: SecretResolver,
        transport: httpx.AsyncBaseTransport | None,
    ) -> None:
        self._context = context
        self._source = source
        self._base_url = base_url
        self._settings = settings
        self._resolver = resolver
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        # Several pollers ask at start-up: one resolution (one password_command run), one client.
        self._lock = asyncio.Lock()
        self.recovery = SourceRecovery()
        """Pollers of this source waiting for it to answer again (woken by any request answered)."""

    async def get(self) -> httpx.AsyncClient:
        """The pooled client; raises SecretError while credentials cannot be resolved."""
        async with self._lock:
            if self._client is None:
                # Keyring backends may block on D-Bus: resolve off the event loop.
                secret = await asyncio.to_thread(
                    self._resolver, self._context, self._source, self._settings.auth
                )
                self._client = build_async_client(
                    self._base_url,
                    self._settings,
                    secret,
                    self._transport,
                    wrap=lambda inner: RecoveringTransport(inner, self.recovery),
                )
            return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


class SourceSet:
    """The sources of one context: lazily built clients and the pollers over them."""

    def __init__(
        self,
        context_name: str,
        context: ContextSettings,
        *,
        resolver: SecretResolver | None = None,
        transports: TransportFactory | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.context_name = context_name
        """Name of the context these sources belong to."""
        self.context = context
        """The context's settings."""
        self.clock = clock or SystemClock()
        """Clock used by the pollers."""
        resolver = resolver or _default_resolver
        transport_for = transports or (lambda _source: None)
        self._http: dict[str, LazyHttpClient] = {}
        if context.prometheus is not None:
            self._http["prometheus"] = LazyHttpClient(
                context_name,
                "prometheus",
                str(context.prometheus.url),
                context.prometheus,
                resolver,
                transport_for("prometheus"),
            )
        if context.alertmanager is not None:
            for index, url in enumerate(context.alertmanager.urls):
                self._http[f"alertmanager#{index}"] = LazyHttpClient(
                    context_name,
                    "alertmanager",
                    str(url),
                    context.alertmanager,
                    resolver,
                    transport_for("alertmanager"),
                )
        if context.jaeger is not None:
            self._http["jaeger"] = LazyHttpClient(
                context_name,
                "jaeger",
                str(context.jaeger.url),
                context.jaeger,
                resolver,
                transport_for("jaeger"),
            )
        self._jaeger_client: JaegerClient | None = None
        self._cluster: tuple[list[httpx.AsyncClient], AlertmanagerCluster] | None = None

    @property
    def kinds(self) -> list[str]:
        """Source kinds configured in this context, in display order."""
        kinds = []
        if self.context.prometheus is not None:
            kinds.append("prometheus")
        if self.context.alertmanager is not None:
            kinds.append("alertmanager")
        if self.context.jaeger is not None:
            kinds.append("jaeger")
        return kinds

    async def prometheus(self) -> PrometheusClient:
        """The Prometheus client (raises SecretError/SourceError when unavailable)."""
        return PrometheusClient(await self._http["prometheus"].get())

    async def alertmanager(self) -> AlertmanagerCluster:
        """All Alertmanager peers as one cluster client."""
        assert self.context.alertmanager is not None
        urls = [str(url) for url in self.context.alertmanager.urls]
        clients = [await self._http[f"alertmanager#{index}"].get() for index in range(len(urls))]
        # One cluster for as long as its HTTP clients live: it keeps the last poll's alerts, which
        # the next poll shares (``models/alert_reuse.py``); a new cluster per poll kept two polls
        # of 55,000 alerts in memory instead of one.
        if self._cluster is None or any(a is not b for a, b in zip(self._cluster[0], clients, strict=True)):
            cluster = AlertmanagerCluster(
                [(url, AlertmanagerClient(c)) for url, c in zip(urls, clients, strict=True)]
            )
            self._cluster = (clients, cluster)
        return self._cluster[1]

    async def jaeger(self) -> JaegerClient:
        """The Jaeger client; it remembers which API generation the server speaks."""
        if self._jaeger_client is None:
            self._jaeger_client = JaegerClient(await self._http["jaeger"].get(), clock=self.clock)
        return self._jaeger_client

    async def prometheus_overview(self) -> PrometheusOverview:
        client = await self.prometheus()
        build, targets = await asyncio.gather(client.buildinfo(), client.targets())
        return PrometheusOverview(build=build, targets=list(targets.active))

    async def alertmanager_overview(self) -> AlertmanagerOverview:
        cluster = await self.alertmanager()
        results = await cluster.status_by_peer()
        peers = [
            PeerOverview(
                url=url,
                status=status if not isinstance(status, SourceError) else None,
                error=str(status) if isinstance(status, SourceError) else None,
            )
            for url, status in results
        ]
        if all(peer.error for peer in peers):
            raise SourceError("; ".join(f"{peer.url}: {peer.error}" for peer in peers), kind="unreachable")
        return AlertmanagerOverview(peers=peers)

    async def jaeger_overview(self) -> JaegerOverview:
        client = await self.jaeger()
        services = await client.services()
        return JaegerOverview(services=sorted(services), api=client.api_generation or "?")

    def overview_pollers(
        self, on_result: Callable[[str, Fresh[Any] | Failed[Any]], None]
    ) -> list[Poller[Any]]:
        """One poller per configured source, feeding the health bar and the Sources screen."""
        pollers: list[Poller[Any]] = []
        specs: list[tuple[str, SourceSettings | None, Callable[[], Any]]] = [
            ("prometheus", self.context.prometheus, self.prometheus_overview),
            ("alertmanager", self.context.alertmanager, self.alertmanager_overview),
            ("jaeger", self.context.jaeger, self.jaeger_overview),
        ]
        for key, settings, fetch in specs:
            if settings is None:
                continue
            pollers.append(
                Poller(
                    key,
                    fetch,
                    lambda result, key=key: on_result(key, result),  # type: ignore[misc]
                    refresh=settings.refresh,
                    timeout=settings.timeout,
                    max_backoff=settings.max_backoff,
                    clock=self.clock,
                    insecure=settings.tls.insecure_skip_verify,
                )
            )
        return pollers

    async def aclose(self) -> None:
        """Close every pooled client."""
        await asyncio.gather(*(client.aclose() for client in self._http.values()))

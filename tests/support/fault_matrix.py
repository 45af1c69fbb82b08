"""The fault matrix at the client + poller level: each fault of each source, injected and healed.

For one source, a loopback :class:`FaultServer` and the app's own SourceSet and Pollers (the
overview poller behind the health bar and, for Alertmanager, the alert poller behind the queue)
run with a short refresh interval. Each fault is injected after a good poll, must be reported
with a reason a person understands while the last data is kept (stale), and must be gone, every
poller fresh again, within one refresh interval plus one request after the server heals.

Used by tests/integration/test_fault_matrix.py (asserts) and benchmarks/bench_reliability.py
(counts and times).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from oncall_tui.models.health import HealthState
from oncall_tui.services.polling import Failed, Fresh, Poller
from oncall_tui.services.sources import SourceSet
from tests.support.fault_server import FAULTS, FaultServer, fault_settings

REFRESH = 0.6
"""Refresh interval of every poller in the matrix, seconds."""
TIMEOUT = 0.4
"""Request timeout, seconds (``slow`` answers after SLOW)."""
SLOW = 1.0
"""How long a ``slow`` answer takes."""
LIMIT = 15.0
"""Seconds any one step may take before the matrix calls it failed (only matters when broken)."""

REASONS: dict[str, tuple[str, ...]] = {
    "down": ("connection refused",),
    "hang": ("no answer within", "timeout"),
    "slow": ("no answer within", "timeout"),
    "http500": ("HTTP 500",),
    "http502": ("HTTP 502",),
    "http503": ("HTTP 503",),
    "http401": ("HTTP 401, check credentials",),
    "http403": ("HTTP 403, check credentials",),
    "non_json": ("not JSON",),
    "wrong_shape": ("unexpected response shape",),
    "truncated": ("closed connection", "network error", "not JSON"),
    "empty": ("empty response body",),
    # 50 MB over loopback may outlast the timeout; either way it is not taken for data.
    "huge": ("unexpected response shape", "no answer within"),
}
"""What the reason of each fault must say (any one of these)."""


@dataclass
class FaultRun:
    """What happened with one fault of one source."""

    source: str
    """prometheus, alertmanager or jaeger."""
    fault: str
    """One of FAULTS."""
    reasons: dict[str, str]
    """Poller name -> the reason it showed while the fault lasted."""
    kept_data: bool
    """Every poller kept its last good value while failing (stale, not empty)."""
    recovered_after: float | None
    """Seconds from healing the server until every poller was fresh again (None: never)."""

    @property
    def understood(self) -> bool:
        """Every reason says what REASONS expects of this fault."""
        wanted = REASONS[self.fault]
        return bool(self.reasons) and all(any(w in r for w in wanted) for r in self.reasons.values())

    @property
    def recovered_in_time(self) -> bool:
        """Fresh again within one refresh interval plus one request."""
        return self.recovered_after is not None and self.recovered_after <= REFRESH + TIMEOUT + 0.5


def _pollers(
    sources: SourceSet, source: str, report: Callable[[str, Fresh[Any] | Failed[Any]], None]
) -> list[Poller[Any]]:
    fetches: list[tuple[str, Callable[[], Awaitable[Any]]]] = []
    if source == "prometheus":
        fetches.append(("health bar", sources.prometheus_overview))
    elif source == "alertmanager":
        fetches.append(("health bar", sources.alertmanager_overview))
        fetches.append(("alert queue", _queue_fetch(sources)))
    else:
        fetches.append(("health bar", sources.jaeger_overview))
    return [
        Poller(
            name,
            fetch,
            lambda result, name=name: report(name, result),  # type: ignore[misc]
            refresh=REFRESH,
            timeout=TIMEOUT,  # max_backoff stays at its default (300 s): the refresh interval must cap it
        )
        for name, fetch in fetches
    ]


def _queue_fetch(sources: SourceSet) -> Callable[[], Awaitable[Any]]:
    # What the alert feed fetches (ui/alert_feed.py AlertFeed._fetch), without the UI around it.
    async def fetch() -> Any:
        cluster = await sources.alertmanager()
        groups, silences = await asyncio.gather(cluster.alert_groups(), cluster.silences())
        return groups.value, silences.value

    return fetch


async def _until(predicate: Callable[[], bool], limit: float = LIMIT) -> float | None:
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > limit:
            return None
        await asyncio.sleep(0.01)
    return time.monotonic() - start


async def run_source(source: str, faults: tuple[str, ...] = FAULTS) -> list[FaultRun]:
    """Inject and heal each of ``faults`` in turn on one source; what happened with each."""
    server = FaultServer(source, slow_seconds=SLOW)
    settings = fault_settings({source: server}, refresh=REFRESH, timeout=TIMEOUT)
    sources = SourceSet("faults", settings.contexts["faults"])
    results: dict[str, Fresh[Any] | Failed[Any]] = {}
    pollers = _pollers(sources, source, results.__setitem__)
    tasks = [asyncio.create_task(p.run()) for p in pollers]
    runs: list[FaultRun] = []
    try:
        for fault in faults:
            await _until(lambda: all(p.health.state is HealthState.UP for p in pollers))
            server.set_fault(fault)
            failing = await _until(lambda: all(p.health.state is not HealthState.UP for p in pollers))
            reasons = {p.name: p.health.reason or "" for p in pollers} if failing is not None else {}
            kept = all(isinstance(r, Failed) and r.last_value is not None for r in results.values())
            server.set_fault(None)
            recovered = await _until(lambda: all(p.health.state is HealthState.UP for p in pollers))
            runs.append(FaultRun(source, fault, reasons, kept, recovered))
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await sources.aclose()
        server.close()
    return runs

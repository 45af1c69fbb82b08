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
from functools import partial
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
        """Fresh again within one refresh interval plus one request (and 1 s for a loaded machine)."""
        return self.recovered_after is not None and self.recovered_after <= REFRESH + TIMEOUT + 1.0


def app_pollers(
    sources: SourceSet, source: str, report: Callable[[str, Fresh[Any] | Failed[Any]], None]
) -> list[Poller[Any]]:
    """The pollers the app runs for ``source``: the health bar's and, for Alertmanager, the queue's."""
    fetches: list[tuple[str, Callable[[], Awaitable[Any]]]] = []
    if source == "prometheus":
        fetches.append((f"{source} health bar", sources.prometheus_overview))
    elif source == "alertmanager":
        fetches.append((f"{source} health bar", sources.alertmanager_overview))
        fetches.append((f"{source} alert queue", _queue_fetch(sources)))
    else:
        fetches.append((f"{source} health bar", sources.jaeger_overview))
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


async def until(predicate: Callable[[], bool], limit: float = LIMIT) -> float | None:
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
    pollers = app_pollers(sources, source, results.__setitem__)
    tasks = [asyncio.create_task(p.run()) for p in pollers]
    runs: list[FaultRun] = []
    try:
        for fault in faults:
            await until(lambda: all(p.health.state is HealthState.UP for p in pollers))
            server.set_fault(fault)
            failing = await until(lambda: all(p.health.state is not HealthState.UP for p in pollers))
            reasons = {p.name: p.health.reason or "" for p in pollers} if failing is not None else {}
            kept = all(isinstance(r, Failed) and r.last_value is not None for r in results.values())
            server.set_fault(None)
            recovered = await until(lambda: all(p.health.state is HealthState.UP for p in pollers))
            runs.append(FaultRun(source, fault, reasons, kept, recovered))
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await sources.aclose()
        server.close()
    return runs


def _all_in(pollers: list[Poller[Any]], *, up: bool) -> bool:
    return all((p.health.state is HealthState.UP) is up for p in pollers)


@dataclass
class KillRun:
    """One crash and restart of a real server process under the app's pollers."""

    source: str
    """prometheus or alertmanager."""
    reasons: dict[str, str]
    """Poller name -> reason shown while the process was gone."""
    kept_data: bool
    """Every poller kept its last good value while failing."""
    recovered_after: float | None
    """Seconds from the restarted process answering until every poller was fresh (None: never)."""


async def kill_and_restart(stack: Any, rounds: int = 2) -> list[KillRun]:
    """SIGKILL the real Prometheus and Alertmanager of ``stack`` (tests/stack_support.Stack) under the
    app's pollers, ``rounds`` times each, restart them, and time the recovery."""
    from oncall_tui.config.settings import Settings

    timing = {"refresh": REFRESH * 2, "timeout": 1.0}
    settings = Settings.model_validate(
        {
            "contexts": {
                "real": {
                    "prometheus": {"url": stack.prometheus_url, **timing},
                    "alertmanager": {"urls": [stack.alertmanager_url], **timing},
                }
            }
        }
    )
    sources = SourceSet("real", settings.contexts["real"])
    results: dict[str, Fresh[Any] | Failed[Any]] = {}
    by_source = {
        name: app_pollers(sources, name, results.__setitem__) for name in ("prometheus", "alertmanager")
    }
    for pollers in by_source.values():
        for poller in pollers:
            poller.refresh, poller.timeout = timing["refresh"], timing["timeout"]
    everyone = [p for pollers in by_source.values() for p in pollers]
    tasks = [asyncio.create_task(p.run()) for p in everyone]
    runs: list[KillRun] = []
    try:
        for _ in range(rounds):
            for name, pollers in by_source.items():
                await until(lambda: all(p.health.state is HealthState.UP for p in everyone), 60)
                await asyncio.to_thread(stack.kill, name)
                failing = await until(partial(_all_in, pollers, up=False))
                reasons = {p.name: p.health.reason or "" for p in pollers} if failing is not None else {}
                kept = all(
                    isinstance(results.get(p.name), Failed) and results[p.name].last_value is not None  # type: ignore[union-attr]
                    for p in pollers
                )
                others_up = all(p.health.state is HealthState.UP for p in everyone if p not in pollers)
                await asyncio.to_thread(stack.restart, name)
                recovered = await until(partial(_all_in, pollers, up=True), 60)
                runs.append(KillRun(name, reasons, kept and others_up, recovered))
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await sources.aclose()
    return runs

"""The sources feed: one overview poller per configured source, for the health bar and the Sources screen."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from oncall_tui.models.health import SourceHealth
from oncall_tui.services.feed import Feed, FeedHost
from oncall_tui.services.polling import Failed, Fresh, Poller
from oncall_tui.services.sources import AlertmanagerOverview, JaegerOverview, PrometheusOverview, SourceSet

Overview = PrometheusOverview | AlertmanagerOverview | JaegerOverview
"""What the overview poller of one source brings."""


@dataclass(frozen=True, slots=True)
class SourceOverviews:
    """Latest good overview per source (kept, marked stale by the health, when a poll fails)."""

    prometheus: PrometheusOverview | None = None
    """Build and scrape targets, once Prometheus answered."""
    alertmanager: AlertmanagerOverview | None = None
    """Every peer's status, once one peer answered."""
    jaeger: JaegerOverview | None = None
    """Services and API generation, once Jaeger answered."""

    def of(self, key: str) -> Overview | None:
        """The overview of source ``key`` (``prometheus``, ``alertmanager``, ``jaeger``)."""
        value: Overview | None = getattr(self, key, None)
        return value


@dataclass(frozen=True, slots=True)
class SourcesState:
    """Health and overviews of the active context's sources; replaced wholesale after every poll."""

    health: Mapping[str, SourceHealth] = field(default_factory=dict)
    """Health per source key, in display order."""
    overviews: SourceOverviews = SourceOverviews()
    """Latest good overview per source."""


class SourcesFeed(Feed[SourcesState]):
    """Polls every configured source's overview; publishes :class:`SourcesState`."""

    def __init__(self, host: FeedHost | None = None) -> None:
        super().__init__("sources", SourcesState(), host)
        self._pollers: list[Poller[Any]] = []

    def _begin(self, sources: SourceSet) -> None:
        self._pollers = sources.overview_pollers(self._reported)
        self._set(SourcesState(health={p.name: p.health for p in self._pollers}))
        for poller in self._pollers:
            self.spawn(poller.run(), group=poller.name, description=f"polling {poller.name}")

    def _reported(self, key: str, result: Fresh[Any] | Failed[Any]) -> None:
        state = self.state
        overviews = state.overviews
        if isinstance(result, Fresh):
            overviews = replace(overviews, **{key: result.value})
        self._set(SourcesState(health={**state.health, key: result.health}, overviews=overviews))

    def wake(self) -> None:
        for poller in self._pollers:
            poller.wake()

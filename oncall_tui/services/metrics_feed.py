"""The metrics screen's live state, headless: the catalog, the shown dashboard, its variables and panels.

One poller per shown dashboard fetches all its panels (one ``query_range`` per query) at the
dashboard's refresh; it runs only while the screen is visible (the screen starts and stops it).
A panel whose fetch fails keeps its last data, marked stale with the reason; the next good fetch
replaces it. State is a frozen :class:`MetricsState`, replaced wholesale; listeners are called
after every change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.clock import Clock
from oncall_tui.config.dashboards import Dashboard
from oncall_tui.domain.panel_data import PanelData
from oncall_tui.domain.panel_plan import DEFAULT_SCRAPE_INTERVAL
from oncall_tui.domain.variables import choices_of, resolve, substitutions
from oncall_tui.errors import OncallError, SourceError
from oncall_tui.services.dashboard_catalog import Catalog, CatalogEntry, build_catalog, variable_values
from oncall_tui.services.panel_data import PanelFetcher
from oncall_tui.services.polling import Failed, Fresh, Poller

DEFAULT_REFRESH = 15.0
"""Seconds between refreshes when neither the dashboard nor the context says."""


@dataclass(frozen=True, slots=True)
class MetricsState:
    """Everything the metrics screen shows."""

    catalog: Catalog | None = None
    """Dashboards of the context (None until discovered)."""
    error: str | None = None
    """Why there is no catalog (Prometheus down, no Prometheus in the context)."""
    dashboard: str | None = None
    """Name of the dashboard shown."""
    options: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Choices of each variable of the shown dashboard."""
    choices: Mapping[str, str] = field(default_factory=dict)
    """The chosen value of each variable."""
    panels: tuple[PanelData | None, ...] = ()
    """Latest data per panel of the shown dashboard (None until its first fetch)."""
    columns: int = 40
    """Points fetched per series (the sparkline width)."""
    down: str | None = None
    """Why the last refresh of the whole dashboard failed (None after a good one)."""

    @property
    def entry(self) -> CatalogEntry | None:
        """The catalog entry of the shown dashboard."""
        if self.catalog is None or self.dashboard is None:
            return None
        return self.catalog.get(self.dashboard)


class MetricsFeed:
    """Keeps :class:`MetricsState` up to date for one context's Prometheus."""

    def __init__(
        self,
        clock: Clock,
        dashboards_dir: Path,
        *,
        refresh: float = DEFAULT_REFRESH,
        timeout: float = 10.0,
        scrape_interval: timedelta = DEFAULT_SCRAPE_INTERVAL,
    ) -> None:
        self.clock = clock
        """Time source of the panels' "now"."""
        self.dashboards_dir = dashboards_dir
        """Where dashboard files are read from."""
        self.refresh = refresh
        """Default seconds between refreshes."""
        self.timeout = timeout
        """Seconds one refresh of a dashboard may take."""
        self.scrape_interval = scrape_interval
        """Assumed scrape interval (``$__rate_interval``, grid granularity)."""
        self._state = MetricsState()
        self._listeners: list[Callable[[MetricsState], None]] = []
        self._client: PrometheusClient | None = None
        self._poller: Poller[list[PanelData | SourceError]] | None = None

    # --- state -------------------------------------------------------------------------------

    @property
    def state(self) -> MetricsState:
        """The latest state."""
        return self._state

    def subscribe(self, listener: Callable[[MetricsState], None]) -> Callable[[], None]:
        """Call ``listener(state)`` after every change; returns the unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _set(self, state: MetricsState) -> None:
        self._state = state
        for listener in list(self._listeners):
            listener(state)

    # --- catalog and choices -----------------------------------------------------------------

    async def load(self, client: PrometheusClient | None, prefer: str | None = None) -> None:
        """Discover the dashboards of ``client``'s server (and the files) and show ``prefer`` or the first."""
        self._client = client
        try:
            catalog = await build_catalog(client, self.dashboards_dir)
        except OncallError as error:
            self._set(replace(self._state, catalog=None, error=f"no dashboards: {error}"))
            return
        missing = None if client is not None else "this context has no prometheus source"
        self._set(replace(self._state, catalog=catalog, error=missing))
        names = [e.name for e in catalog.entries]
        if names:
            await self.select(prefer if prefer in names else names[0])

    async def select(self, name: str, chosen: Mapping[str, str] | None = None) -> None:
        """Show dashboard ``name`` (its variables' options fetched, the choices resolved)."""
        catalog = self._state.catalog
        entry = catalog.get(name) if catalog is not None else None
        if entry is None:
            return
        dashboard = entry.dashboard
        found: dict[str, list[str]] = {}
        if self._client is not None:
            try:
                found = await variable_values(self._client, dashboard)
            except OncallError:
                found = {}  # the panels' own fetch will say what is wrong
        options = {v.name: tuple(choices_of(v, found.get(v.name, ()))) for v in dashboard.variables}
        choices = resolve(dashboard, found, chosen)
        self._set(
            replace(
                self._state,
                dashboard=name,
                options=options,
                choices=choices,
                panels=tuple(None for _ in dashboard.panels),
            )
        )

    def step_dashboard(self, delta: int) -> str | None:
        """The name of the dashboard ``delta`` places from the shown one (wrapping)."""
        catalog = self._state.catalog
        if catalog is None or not catalog.entries:
            return None
        names = [e.name for e in catalog.entries]
        index = names.index(self._state.dashboard) if self._state.dashboard in names else 0
        return names[(index + delta) % len(names)]

    def choose(self, variable: str, value: str) -> None:
        """Set a variable; the panels are fetched again at once."""
        choices = {**self._state.choices, variable: value}
        self._set(replace(self._state, choices=choices, panels=tuple(None for _ in self._state.panels)))
        self.wake()

    def set_columns(self, columns: int) -> None:
        """Fetch this many points per series from now on (the sparkline width)."""
        if columns != self._state.columns:
            self._set(replace(self._state, columns=columns))
            self.wake()

    # --- polling -----------------------------------------------------------------------------

    def refresh_seconds(self, dashboard: Dashboard | None) -> float:
        """The dashboard's refresh, else the feed's default."""
        if dashboard is not None and dashboard.refresh is not None:
            return dashboard.refresh.total_seconds()
        return self.refresh

    async def fetch(self) -> list[PanelData | SourceError]:
        """Fetch every panel of the shown dashboard once; raises when not one panel could be fetched."""
        entry = self._state.entry
        if entry is None or self._client is None:
            return []
        dashboard = entry.dashboard
        fetcher = PanelFetcher(self._client, scrape_interval=self.scrape_interval)
        answers = await fetcher.fetch_group(
            dashboard.panels,
            dashboard,
            columns=self._state.columns,
            now=self.clock.now(),
            variables=substitutions(self._state.choices),
        )
        failures = [a for a in answers if isinstance(a, SourceError)]
        if answers and len(failures) == len(answers):
            raise failures[0]
        return answers

    def apply(
        self, result: Fresh[list[PanelData | SourceError]] | Failed[list[PanelData | SourceError]]
    ) -> None:
        """Take one poll's result: fresh panels replace, failed ones keep their data marked stale."""
        current = self._state.panels
        if isinstance(result, Failed):
            reason = result.error.message
            self._set(replace(self._state, panels=_stale(current, [reason] * len(current)), down=reason))
            return
        if len(result.value) != len(current):
            return  # the dashboard changed while this fetch ran
        panels: list[PanelData | None] = []
        for old, answer in zip(current, result.value, strict=True):
            if isinstance(answer, SourceError):
                panels.append(old.as_stale(answer.message) if old is not None else None)
            else:
                panels.append(answer)
        self._set(replace(self._state, panels=tuple(panels), down=None))

    def poller(self) -> Poller[list[PanelData | SourceError]]:
        """A poller of the shown dashboard (run it while the screen is visible; cancel it when not)."""
        entry = self._state.entry
        self._poller = Poller(
            f"metrics:{self._state.dashboard or '-'}",
            self.fetch,
            self.apply,
            refresh=self.refresh_seconds(entry.dashboard if entry else None),
            timeout=self.timeout,
            clock=self.clock,
        )
        return self._poller

    def wake(self) -> None:
        """Refresh now."""
        if self._poller is not None:
            self._poller.wake()


def _stale(panels: Sequence[PanelData | None], reasons: Sequence[str]) -> tuple[PanelData | None, ...]:
    return tuple(p.as_stale(r) if p is not None else None for p, r in zip(panels, reasons, strict=True))

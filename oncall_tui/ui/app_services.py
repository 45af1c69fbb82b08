"""What screens need from the app: a small protocol, so no screen imports ``OncallApp``.

``ui/app.py`` imports the screens (through the registry); the screens see the app only through
:class:`AppServices` (``OncallScreen.oncall_app``), which cuts the ``ui/app.py`` ↔ screens cycle.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from oncall_tui.clock import Clock, DemoClock
    from oncall_tui.config.settings import Settings
    from oncall_tui.domain.known_traces import KnownTraces
    from oncall_tui.services.alert_session import AlertSession
    from oncall_tui.services.alert_state import AlertFeedState
    from oncall_tui.services.incident_actions import IncidentRequest
    from oncall_tui.services.incident_desk import IncidentDesk
    from oncall_tui.services.sources import SourceSet
    from oncall_tui.services.sources_feed import SourcesState
    from oncall_tui.ui.feed_adapter import LiveFeed


class AppServices(Protocol):
    """The app as a screen sees it."""

    @property
    def settings(self) -> Settings:
        """Validated configuration."""

    @property
    def clock(self) -> Clock:
        """Time source for ages, timers and pollers."""

    @property
    def demo(self) -> bool:
        """Running on the built-in demo environment."""

    @property
    def demo_clock(self) -> DemoClock | None:
        """The clock the demo's incident cycle runs on, to pause and restart (None unless ``--demo``)."""

    @property
    def demo_paused(self) -> bool:
        """The demo's incident cycle is paused (``:demo pause``)."""

    @property
    def now(self) -> datetime | None:
        """Wall clock, ticked every second (None before the app mounted)."""

    @property
    def context_name(self) -> str:
        """The active context."""

    @property
    def sources(self) -> SourceSet | None:
        """Sources of the active context."""

    @property
    def known_traces(self) -> KnownTraces:
        """Trace ids seen this session, so the short ids screens show open from the palette."""

    @property
    def alert_feed(self) -> AlertSession:
        """The alert session (state, actions, ``perform``)."""

    @property
    def alerts(self) -> LiveFeed[AlertFeedState]:
        """The alert session as screens follow it."""

    @property
    def source_feed(self) -> LiveFeed[SourcesState]:
        """Health and overviews of the context's sources, as screens follow them."""

    @property
    def incident_desk(self) -> IncidentDesk:
        """The incident log, for the incident screens (reads and writes off the event loop)."""

    def perform_incident(self, request: IncidentRequest) -> None:
        """Run a logged incident action in a worker, toast how it went, then post ``ActionCompleted``."""

    def show_screen(self, screen_id: str) -> None:
        """Go to the registered screen ``screen_id`` (see ``ui/screen_registry.py``)."""

    def open_trace_search(self, service: str | None, start: datetime | None, end: datetime | None) -> None:
        """Open the trace search, pre-filled (and run) when a service or window is given."""

    def open_trace(self, trace_id: str) -> None:
        """Fetch trace ``trace_id`` from the context's Jaeger and show its waterfall."""

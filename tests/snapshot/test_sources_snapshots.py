"""SVG snapshots of the Sources screen (baselines in snapshots/test_sources_snapshots/)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from oncall_tui.clock import FakeClock
from oncall_tui.models.health import HealthState
from oncall_tui.ui.app import OncallApp
from tests.support.fake_backends import AM_URLS, FakeBackends
from tests.support.waiting import wait_until

pytestmark = pytest.mark.snapshot


def make_app(backends: FakeBackends) -> OncallApp:
    return OncallApp(
        backends.settings(), clock=backends.clock, source_set_factory=backends.source_set_factory()
    )


async def settle(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, OncallApp)
    # The alert queue is the first screen; Sources is one key away.
    await pilot.press("S")
    await wait_until(
        pilot, lambda: all(h.state != HealthState.UNKNOWN for h in app.source_health.values()), "health"
    )
    # Let tables re-measure their columns after the data arrived (pause() waits for idle).
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_sources_screen_all_up(snap_compare: Callable[..., bool], size: tuple[int, int]) -> None:
    """Every source up: header with context, sources table with versions, one Alertmanager peer row each,
    scrape targets with the down target (and its error) first, health bar all green, footer keys."""
    backends = FakeBackends(FakeClock(real_sleep=True))
    assert snap_compare(make_app(backends), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_sources_screen_with_a_peer_and_jaeger_down(
    snap_compare: Callable[..., bool], size: tuple[int, int]
) -> None:
    """One Alertmanager peer refuses connections (row says so, the other peer still shows) and Jaeger is
    down: the health bar marks jaeger DOWN with the reason, prom and am stay up."""
    backends = FakeBackends(FakeClock(real_sleep=True))
    backends.down.add("jaeger")
    backends.down.add(AM_URLS[1].split("//")[1].split(":")[0])
    assert snap_compare(make_app(backends), terminal_size=size, run_before=settle)

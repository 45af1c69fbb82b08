"""A screen following a feed "while shown": the Metrics pattern (a poller per panel group, while visible)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.widgets import Static

from oncall_tui.clock import FakeClock
from oncall_tui.domain.alert_queue import AlertState
from oncall_tui.services.actions import ActionResult, ActionStatus, AlertActions, AlertTarget
from oncall_tui.services.feed import Feed
from oncall_tui.services.sources import SourceSet
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.feed_adapter import LiveFeed
from oncall_tui.ui.messages import ActionCompleted
from oncall_tui.ui.screens.base import OncallScreen
from oncall_tui.ui.screens.sources import SourcesScreen
from tests.support.alert_fakes import AlertBackends, polled
from tests.support.fake_backends import FakeBackends
from tests.support.screen_text import line_with
from tests.support.waiting import wait_until


@dataclass(frozen=True)
class Count:
    polls: int = 0
    context: str = ""


class CountingFeed(Feed[Count]):
    """Publishes one more poll each time it is woken, for the context it was started for."""

    def __init__(self) -> None:
        super().__init__("counting", Count())
        self.starts: list[str] = []
        self.stops = 0

    def _begin(self, sources: SourceSet) -> None:
        self.starts.append(sources.context_name)
        self._set(Count(self.state.polls + 1, sources.context_name))

    def stop(self) -> None:
        if self.running:
            self.stops += 1
        super().stop()

    def wake(self) -> None:
        if self.running:
            self._set(Count(self.state.polls + 1, self.state.context))


class PanelScreen(OncallScreen):
    TITLE_TEXT = "Panels"

    def __init__(self, live: LiveFeed[Count]) -> None:
        super().__init__()
        self.live = live

    def compose_body(self) -> ComposeResult:
        yield Static(id="panel")

    def on_mount(self) -> None:
        super().on_mount()
        self.follow(self.live, self._draw, while_shown=True)

    def _draw(self, state: Count) -> None:
        self.query_one("#panel", Static).update(f"polls={state.polls} context={state.context}")


async def test_a_feed_followed_while_shown_runs_only_while_its_screen_shows() -> None:
    backends = FakeBackends(FakeClock(real_sleep=True))
    app = OncallApp(
        backends.settings(), clock=backends.clock, source_set_factory=backends.source_set_factory()
    )
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_until(pilot, lambda: app.sources is not None, "a context")
        feed = CountingFeed()
        live = LiveFeed(app, feed)
        await app.push_screen(PanelScreen(live))
        await wait_until(
            pilot, lambda: "polls=1 context=prod-eu" in line_with(app, "polls="), "first poll drawn"
        )
        assert feed.starts == ["prod-eu"]
        # Hidden under Sources: stopped, and a wake publishes nothing.
        await pilot.press("S")
        await wait_until(pilot, lambda: isinstance(app.screen, SourcesScreen), "sources shown")
        assert feed.stops == 1 and not feed.running
        feed.wake()
        assert feed.state.polls == 1
        # Back: started again for the context, and drawn.
        app.pop_screen()
        await wait_until(pilot, lambda: "polls=2" in line_with(app, "polls="), "redrawn when shown again")
        assert feed.starts == ["prod-eu", "prod-eu"]
        # A context switch restarts it for the new context.
        app.switch_context("staging")
        await wait_until(pilot, lambda: "context=staging" in line_with(app, "polls="), "new context drawn")
        # Dismissed: stopped for good.
        app.pop_screen()
        await wait_until(pilot, lambda: not feed.running, "stopped when dismissed")
        assert feed.starts == ["prod-eu", "prod-eu", "staging"]


class TimelineScreen(OncallScreen):
    """Stands for the coming Incident screen: it refreshes on ActionCompleted."""

    def __init__(self) -> None:
        super().__init__()
        self.heard: list[tuple[str, list[ActionStatus]]] = []

    def on_action_completed(self, message: ActionCompleted) -> None:
        self.heard.append((message.what, [r.status for r in message.results]))


async def test_every_screen_in_the_stack_hears_that_an_action_completed(tmp_path: Path) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=(100, 24)) as pilot:
        await polled(pilot)
        snapshot = app.alert_feed.state.snapshot
        assert snapshot is not None
        row = next(r for r in snapshot.rows if r.state is AlertState.ACTIVE)
        below = TimelineScreen()
        await app.push_screen(below)
        await app.push_screen(SourcesScreen())

        async def ack(actions: AlertActions) -> list[ActionResult]:
            return await actions.ack_many([AlertTarget.of_row(row)], duration="1h", comment="on it")

        assert app.alert_feed.perform("ack", [row.key], ack)
        # Hidden under Sources, it still hears it (and can refresh when shown again).
        await wait_until(pilot, lambda: below.heard, "ActionCompleted")
        assert below.heard == [("ack", [ActionStatus.DONE])]

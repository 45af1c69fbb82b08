"""The alert session, headless: no App, a FakeClock, the recorded Alertmanager behind MockTransport."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from oncall_tui.domain.alert_queue import AlertRow, AlertState, QueueSnapshot
from oncall_tui.services.actions import ActionResult, ActionStatus, AlertActions, AlertTarget
from oncall_tui.services.alert_session import AlertSession
from oncall_tui.services.alert_state import AlertFeedState
from oncall_tui.services.feed import AsyncioHost, Notice
from tests.support.alert_fakes import AlertBackends


async def wait_for(condition: Callable[[], object], what: str, within: float = 10.0) -> None:
    """Let the session's tasks run until ``condition()`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            pytest.fail(f"{what}: not within {within:g}s")
        await asyncio.sleep(0.01)


async def first_active_row(session: AlertSession) -> tuple[QueueSnapshot, AlertRow]:
    """After the first poll: its snapshot and its first active alert."""
    await wait_for(lambda: session.state.snapshot is not None, "first poll")
    snapshot = session.state.snapshot
    assert snapshot is not None
    return snapshot, next(r for r in snapshot.rows if r.state is AlertState.ACTIVE)


def ack_of(row: AlertRow) -> Callable[[AlertActions], Awaitable[list[ActionResult]]]:
    """The action ``session.perform`` runs to ack ``row`` for an hour."""

    async def ack(actions: AlertActions) -> list[ActionResult]:
        return await actions.ack_many([AlertTarget.of_row(row)], duration="1h", comment="looking")

    return ack


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[AlertSession, AlertBackends, AsyncioHost]]:
    backends = AlertBackends()
    settings = backends.settings()
    host = AsyncioHost()
    session = AlertSession(settings, backends.fake_clock, tmp_path / "incidents.sqlite3", host)
    session.notifier_transport = httpx.MockTransport(lambda _request: httpx.Response(200))
    sources = backends.source_set_factory()("prod-eu", settings)
    session.start(sources)
    yield session, backends, host
    session.stop()
    await host.aclose()
    await session.aclose()
    await sources.aclose()


async def test_a_poll_replaces_the_state_wholesale_and_tells_listeners(
    running: tuple[AlertSession, AlertBackends, AsyncioHost],
) -> None:
    session, _backends, host = running
    seen: list[AlertFeedState] = []
    session.subscribe(seen.append)
    before = session.state
    await wait_for(lambda: session.state.snapshot is not None, "first poll")
    polled = session.state
    assert polled is not before and before.snapshot is None
    assert polled.generation == 1 and polled.error is None and polled.fetched_at == _backends.fake_clock.now()
    snapshot = polled.snapshot
    assert snapshot is not None and len(snapshot.rows) == 12  # 24 in the groups, 12 unique
    assert polled in seen  # the listener got that very state
    assert host.errors == []


async def test_an_action_marks_the_alert_in_flight_then_reports_and_the_next_poll_shows_it(
    running: tuple[AlertSession, AlertBackends, AsyncioHost],
) -> None:
    session, backends, host = running
    _, row = await first_active_row(session)
    completed: list[tuple[str, list[ActionResult]]] = []
    session.on_completed(lambda what, results: completed.append((what, results)))
    assert session.perform("ack", [row.key], ack_of(row))
    # Marked at once, before anything was sent.
    assert session.state.inflight == {row.key: "ack"}
    assert session.state.pending_for(row.key) == "ack"
    await wait_for(lambda: completed, "the ack to complete")
    assert session.state.inflight == {}
    ((what, results),) = completed
    assert what == "ack" and [r.status for r in results] == [ActionStatus.DONE]
    toast = host.notices[-1]
    assert (toast.title, toast.severity) == ("Ack", "information")
    assert len(backends.silences) == 4  # the 3 recorded ones and the ack
    generation = session.state.generation
    session.wake()
    await wait_for(lambda: session.state.generation > generation, "the poll after the ack")
    acked = session.state.snapshot
    assert acked is not None
    assert next(r for r in acked.rows if r.key == row.key).state is AlertState.SILENCED


async def test_stop_ends_polling_and_keeps_the_last_state(
    running: tuple[AlertSession, AlertBackends, AsyncioHost],
) -> None:
    session, backends, host = running
    await wait_for(lambda: session.state.snapshot is not None, "first poll")
    session.stop()
    await host.settle()
    assert not session.running
    state = session.state
    groups = "alertmanager-0.prod-eu.example/api/v2/alerts/groups"
    polls = backends.requests.count(groups)
    assert polls >= 1
    session.wake()
    backends.fake_clock.advance(3600)
    await asyncio.sleep(0.3)  # a woken poller would have polled by now (it does in the test above)
    assert backends.requests.count(groups) == polls
    assert session.state is state and state.snapshot is not None


async def test_without_alertmanager_actions_are_refused_with_a_notice(tmp_path: Path) -> None:
    backends = AlertBackends()
    settings = backends.settings()
    host = AsyncioHost()
    session = AlertSession(settings, backends.fake_clock, tmp_path / "incidents.sqlite3", host)
    sources = backends.source_set_factory()("staging", settings)
    session.start(sources)
    assert not session.state.configured

    async def never(actions: AlertActions) -> ActionResult:
        raise AssertionError("must not run")

    assert not session.perform("ack", ["x"], never)
    assert host.notices == [
        Notice("ack is not possible: no Alertmanager in this context", title="Ack", severity="error")
    ]
    session.stop()
    await host.aclose()
    await session.aclose()
    await sources.aclose()


async def test_an_incident_whose_alerts_resolved_resolves_after_the_grace_period(
    running: tuple[AlertSession, AlertBackends, AsyncioHost],
) -> None:
    session, backends, host = running
    snapshot, row = await first_active_row(session)
    group = [r.fingerprint for r in snapshot.rows if r.group_key == row.group_key]
    completed: list[list[ActionResult]] = []
    session.on_completed(lambda _what, results: completed.append(results))
    session.perform("ack", [row.key], ack_of(row))
    await wait_for(lambda: completed, "the ack")
    incident_id = completed[0][0].incident_id
    assert session.actions is not None and incident_id is not None
    log = session.actions.log

    # Every alert of the group resolves: Alertmanager stops listing them.
    for item in backends.groups:
        item["alerts"] = [a for a in item["alerts"] if a["fingerprint"] not in group]

    def gone() -> bool:
        snapshot = session.state.snapshot
        if snapshot is None or any(r.group_key == row.group_key for r in snapshot.rows):
            session.wake()  # a wake landing during a poll is folded into it: ask again
            return False
        return True

    await wait_for(gone, "a poll without the group")
    await wait_for(lambda: "alerts_resolved" in [e.kind for e in log.timeline(incident_id)], "quiet noted")
    assert log.get(incident_id).is_open
    # Five minutes later, still quiet: resolved by itself, and the engineer is told.
    backends.fake_clock.advance(5 * 60)

    def resolved() -> bool:
        session.wake()
        return not log.get(incident_id).is_open

    await wait_for(resolved, "resolved")
    await wait_for(lambda: any(n.title == "Incident resolved" for n in host.notices), "the notice")
    notice = next(n for n in host.notices if n.title == "Incident resolved")
    assert notice.message == f"incident #{incident_id} resolved automatically: no alert fired for 5m"


async def test_an_ack_queued_while_alertmanager_was_down_goes_out_with_the_first_poll_after_it_is_back(
    running: tuple[AlertSession, AlertBackends, AsyncioHost],
) -> None:
    session, backends, _host = running
    _, row = await first_active_row(session)
    backends.down.add("alertmanager")
    generation = session.state.generation
    session.wake()
    await wait_for(lambda: session.state.error is not None, "the failed poll")
    assert session.perform("ack", [row.key], ack_of(row))
    await wait_for(lambda: session.state.pending, "the ack queued")
    # The clock stands still: the queued ack's backoff never runs out by itself. Alertmanager is
    # back, and the first good poll delivers it.
    backends.down.clear()
    session.wake()
    await wait_for(
        lambda: session.state.generation > generation and session.state.error is None, "a good poll"
    )
    await wait_for(lambda: len(backends.silences) == 4, "the queued ack delivered")
    await wait_for(lambda: not session.state.pending, "nothing left queued")


async def test_a_steady_queue_is_held_once_the_next_poll_shares_the_last_ones_alerts(
    running: tuple[AlertSession, AlertBackends, AsyncioHost],
) -> None:
    # Memory (issue 12): 55,000 alerts must not be held twice because a poll decoded them again.
    session, _backends, _host = running
    await wait_for(lambda: session.state.snapshot is not None, "first poll")
    first = session.state.snapshot
    assert first is not None
    generation = session.state.generation
    session.wake()
    await wait_for(lambda: session.state.generation > generation, "the second poll")
    second = session.state.snapshot
    assert second is not None and second is not first
    assert [r.key for r in second.rows] == [r.key for r in first.rows]
    assert all(a.alert is b.alert for a, b in zip(first.rows, second.rows, strict=True))

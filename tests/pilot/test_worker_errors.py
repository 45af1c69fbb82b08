"""The error funnel: a worker of a screen that dies unexpectedly is reported, not left on "Loading…"."""

from __future__ import annotations

import logging

import pytest

from oncall_tui.clock import FakeClock
from oncall_tui.errors import SourceError
from oncall_tui.models.jaeger import Trace
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.trace import TraceScreen
from tests.support.fake_backends import FakeBackends
from tests.support.waiting import wait_until


def make_app(backends: FakeBackends) -> OncallApp:
    return OncallApp(
        backends.settings(), clock=backends.clock, source_set_factory=backends.source_set_factory()
    )


async def test_unexpected_error_in_a_screen_worker_is_toasted_and_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken_fetch(self: TraceScreen) -> Trace:
        raise RuntimeError("decoder exploded")

    monkeypatch.setattr(TraceScreen, "_fetch", broken_fetch)
    backends = FakeBackends(FakeClock(real_sleep=True))
    app = make_app(backends)
    caplog.set_level(logging.ERROR, logger="oncall_tui")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        app.open_trace("4bf92f3577b34da6")
        await wait_until(pilot, lambda: isinstance(app.screen, TraceScreen), "trace screen shown")
        await wait_until(pilot, lambda: app._notifications, "a toast")
        toast = list(app._notifications)[-1]
        assert toast.title == "Unexpected error"
        assert toast.message == "loading trace: RuntimeError: decoder exploded (traceback in the log)"
        # The toast is on screen, not only in the app's list.
        await wait_until(pilot, lambda: "RuntimeError" in app.export_screenshot(), "the toast drawn")
    failures = [r for r in caplog.records if r.name == "oncall_tui.ui"]
    assert [r.getMessage() for r in failures] == ["loading trace failed: RuntimeError('decoder exploded')"]
    assert failures[0].exc_info is not None and failures[0].exc_info[0] is RuntimeError


async def test_expected_error_in_a_screen_worker_is_a_toast_with_its_title_and_no_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def refused() -> None:
        raise SourceError("jaeger: connection refused")

    backends = FakeBackends(FakeClock(real_sleep=True))
    app = make_app(backends)
    caplog.set_level(logging.ERROR, logger="oncall_tui")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("S")
        await wait_until(
            pilot, lambda: app.screen.id != "_default" and app.screen.is_current, "sources shown"
        )
        app.screen.run_worker(refused(), exit_on_error=False, description="listing things")
        await wait_until(pilot, lambda: app._notifications, "a toast")
        toast = list(app._notifications)[-1]
        assert (toast.title, toast.message) == ("Source error", "jaeger: connection refused")
    assert not [r for r in caplog.records if r.name == "oncall_tui.ui"]

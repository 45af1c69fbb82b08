"""Keys before background work: input holds worker threads at their checkpoints until it is answered.

Worker threads (a 55,000-alert poll's preparation) wait at ``give_way`` checkpoints while the
app has a key in hand; the hold must end once the key's frame is drawn, also for a key that
changes nothing, or background work would stall behind every keystroke. The hold limit is
raised here so that only a release can end it.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual import events
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver

from oncall_tui.foreground import foreground
from oncall_tui.ui.input_first import holding_driver
from tests.support.alert_fakes import AlertBackends, polled, screen_of


@pytest.fixture(autouse=True)
def _only_a_release_ends_a_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(foreground, "_limit", 30.0)


async def test_a_key_holds_workers_until_its_frame_is_drawn(tmp_path: Path) -> None:
    app = AlertBackends().make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await polled(pilot)
        table = screen_of(app).table
        holds = foreground.holds
        passed = threading.Event()

        def worker() -> None:
            foreground.give_way()
            passed.set()

        await pilot.press("down")
        assert foreground.holds > holds
        assert table.cursor_row == 1
        await pilot.pause()
        assert not foreground.held
        thread = threading.Thread(target=worker)
        thread.start()
        assert passed.wait(5)  # released, not run out (the limit is 30 s)
        thread.join(5)


async def test_a_key_that_changes_nothing_still_lets_workers_go(tmp_path: Path) -> None:
    app = AlertBackends().make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await polled(pilot)
        holds = foreground.holds
        await pilot.press("f12")  # bound to nothing: no redraw follows
        await pilot.pause()
        assert foreground.holds > holds
        assert not foreground.held


def test_the_terminal_driver_holds_workers_as_soon_as_a_key_is_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # In a terminal, the driver's input thread takes the hold when it reads the key: workers stop
    # at their next checkpoint while the key is still on its way to the event loop.
    app = AlertBackends().make_app(tmp_path)
    assert issubclass(app.driver_class, LinuxDriver)
    assert app.driver_class.__name__.startswith("Holding")
    handed: list[object] = []
    monkeypatch.setattr(Driver, "send_message", lambda _self, message: handed.append(message))
    driver = object.__new__(holding_driver(LinuxDriver))
    holds = foreground.holds
    driver.send_message(events.Key("j", "j"))
    assert foreground.held
    assert foreground.holds == holds + 1
    foreground.release()
    driver.send_message(events.Blur())  # not input: no hold
    assert not foreground.held
    assert len(handed) == 2

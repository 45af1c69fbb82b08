"""Textual's toast-expiry race, reproduced under a fake clock: ``python -m tests.support.toast_race``.

Run in a subprocess by tests/unit/test_textual_guards.py, because the bug it reproduces freezes
the event loop for good (a test in the same process could not even fail).

``ToastRack.show`` asks ``notification.has_expired`` and then ``Toast.__init__`` reads
``notification.time_left``: two reads of the wall clock. The fake clock moves a fixed step on
every read, so a toast whose timeout ends between the two reads is handed to ``set_timer`` with a
negative delay. Which read that is depends on Textual's internals, so the script raises toasts
whose timeouts end after each of the first :data:`ATTEMPTS` reads: one of them hits the window.
Each toast must then expire on its own and the app must keep answering.

Prints ``ok K`` per toast and ``done`` at the end; ``--unguarded`` runs a bare Textual app
without the guards (it freezes while Textual has the bug).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

import textual.notifications
from textual.app import App

STEP = 0.05
"""Seconds the fake clock moves on every read."""
ATTEMPTS = 16
"""Toasts raised, one expiring after each of the first ATTEMPTS reads."""


class SteppingClock:
    """A wall clock that moves ``STEP`` each time it is read, from where :meth:`rebase` put it."""

    def __init__(self) -> None:
        self._now = time.time()

    def rebase(self) -> None:
        """Start again from the real time (call just before raising a notification)."""
        self._now = time.time()

    def __call__(self) -> float:
        self._now += STEP
        return self._now


def _say(line: str) -> None:
    """Progress for the parent test (it reads how far the child got before any freeze)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def _run(app: App[None], clock: SteppingClock, screens: list[str]) -> None:
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        for attempt in range(ATTEMPTS):
            clock.rebase()
            app.notify(f"toast {attempt}", timeout=(attempt + 0.5) * STEP)
            await pilot.pause()  # the Notify message is handled: the toast rack shows it
            if screens:  # a screen change as the toast expires: the rack is shown again
                await pilot.press(screens[attempt % len(screens)])
            deadline = time.monotonic() + 10
            while app._notifications and time.monotonic() < deadline:
                await pilot.pause(0.01)
            if app._notifications:
                _say(f"stuck {attempt}")
                return
            _say(f"ok {attempt}")
        _say("done")


def main(argv: list[str]) -> int:
    clock = SteppingClock()
    textual.notifications.time = clock  # type: ignore[attr-defined]
    if "--unguarded" in argv:
        asyncio.run(_run(App(), clock, []))
        return 0
    from oncall_tui.config.settings import Settings
    from oncall_tui.ui.app import OncallApp

    database = Path(tempfile.mkdtemp()) / "incidents.db"
    asyncio.run(_run(OncallApp(Settings(), database_path=database), clock, ["S", "A", "L"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
